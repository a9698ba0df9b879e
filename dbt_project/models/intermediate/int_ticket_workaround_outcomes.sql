{#- One row per ticket given a workaround: the stored rows
    (int_ticket_workaround_outcomes_stored, incremental by ticket) with the as-of instant
    they were judged at, in the columns' old order. A view, so that a moved as-of instant
    does not rewrite every row (see int_ticket_business_clock). -#}
{{ config(materialized='view') }}
select
    stored.ticket_id,
    stored.team_id,
    stored.agent_id,
    stored.product,
    stored.channel,
    stored.priority,
    stored.complexity_tier,
    stored.workaround_at,
    stored.permanent_fix_at,
    stored.watch_until,
    window_.as_of_at,
    stored.failed_at,
    stored.failure,
    stored.held
from {{ ref('int_ticket_workaround_outcomes_stored') }} as stored
cross join {{ ref('int_data_window') }} as window_
