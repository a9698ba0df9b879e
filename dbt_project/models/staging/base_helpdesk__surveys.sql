-- raw.surveys: the latest row of each key, typed, with the reason it is held back
-- (NULL for a usable row; macros/held_back.sql); stg_helpdesk__surveys keeps the
-- usable rows.
with latest as (
    {{ latest_row_per_key(source('raw', 'surveys'), ['survey_id']) }}
),

typed as (
    select
        {{ contract_columns('surveys') }},
        _source_file,
        _source_row,
        _load_id
    from latest
)

select
    typed.*,
    {{ held_back_by_ticket('ticket') }} as _held_back_reason
from typed
left join {{ ref('base_helpdesk__tickets') }} as ticket on ticket.ticket_id = typed.ticket_id
