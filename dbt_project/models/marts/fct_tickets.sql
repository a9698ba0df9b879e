{#- One row per ticket with every per-ticket measure the indicators aggregate: the stored
    rows (fct_tickets_stored, incremental by ticket) with the open ages at the as-of
    instant (open_*_minutes_as_of) read beside them, in the columns' old order. The open
    ages are the as-of reading of the ticket's team (int_ticket_as_of_readings) less the
    creation reading, as fct_tickets_stored reads them for its own verdicts; a view, so
    that a moved as-of instant does not rewrite every ticket. -#}
{{ config(materialized='view') }}
select
    stored.ticket_id,
    stored.created_at,
    stored.team_id,
    stored.agent_id,
    stored.product,
    stored.channel,
    stored.priority,
    stored.complexity_tier,
    stored.category,
    stored.status,
    stored.first_response_at,
    stored.resolution_end_at,
    stored.resolution_stopped_by,
    stored.resolved_at,
    stored.reopen_count,
    stored.transfer_count,
    stored.escalation_count,
    stored.sla_clock,
    stored.first_response_business_minutes,
    stored.first_response_calendar_minutes,
    readings.as_of_clock_minutes - stored.created_clock_minutes as open_business_minutes_as_of,
    {{ minutes_between('stored.created_at', 'window_.as_of_at') }} as open_calendar_minutes_as_of,
    stored.resolution_business_minutes,
    stored.resolution_calendar_minutes,
    stored.resolution_clock_pauses_when_pending,
    stored.pending_business_minutes_excluded,
    stored.pending_calendar_minutes_excluded,
    stored.open_business_minutes,
    stored.first_response_target_minutes,
    stored.resolution_target_hours,
    stored.working_day_minutes,
    stored.first_response_sla_minutes,
    case
        when stored.sla_clock = 'calendar' then {{ minutes_between('stored.created_at', 'window_.as_of_at') }}
        else readings.as_of_clock_minutes - stored.created_clock_minutes
    end as open_sla_minutes_as_of,
    stored.resolution_sla_minutes,
    stored.resolution_business_hours,
    stored.resolution_calendar_hours,
    stored.first_response_sla_met,
    stored.resolution_target_ratio,
    stored.resolution_sla_met,
    stored.update_due_days,
    stored.proactive_update_days
from {{ ref('fct_tickets_stored') }} as stored
cross join {{ ref('int_data_window') }} as window_
left join {{ ref('int_ticket_as_of_readings') }} as readings on readings.team_id = stored.team_id
