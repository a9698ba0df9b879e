{#- The "as of" instant of the data: the latest timestamp any ticket or event carries.
    Clocks of still-open tickets stop here, so the same inbox always gives the same
    scores, whenever it is run. -#}
select
    min(created_at) as first_at,
    greatest(max(created_at), coalesce((select max(event_at) from {{ ref('stg_helpdesk__ticket_events') }}), max(created_at))) as as_of_at
from {{ ref('stg_helpdesk__tickets') }}
