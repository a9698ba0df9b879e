{#- Each ticket milestone read off its team's business clock: the stored per-ticket rows
    (int_ticket_business_clock_stored, incremental by ticket) with the as-of readings of
    the ticket's team beside them (int_ticket_as_of_readings), in the columns' old order.
    A view, so a moved as-of instant costs one read per team, not a rewrite of every
    ticket. A ticket with no team has NULL readings, as the clock gives it. -#}
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
    stored.closed_at,
    stored.last_reopen_at,
    stored.first_response_at,
    stored.first_workaround_at,
    stored.first_resolution_at,
    stored.resolved_at,
    stored.reopen_count,
    stored.transfer_count,
    stored.escalation_count,
    stored.agent_reply_count,
    stored.proactive_update_count,
    stored.workaround_held,
    stored.resolution_end_at,
    stored.resolution_stopped_by,
    window_.as_of_at,
    stored.created_clock_minutes,
    stored.created_local_date,
    stored.created_working_days_through,
    stored.first_response_clock_minutes,
    stored.first_response_local_date,
    stored.first_response_working_days_through,
    stored.resolution_end_clock_minutes,
    stored.resolution_end_local_date,
    stored.resolution_end_working_days_through,
    stored.resolved_clock_minutes,
    stored.resolved_local_date,
    stored.resolved_working_days_through,
    readings.as_of_clock_minutes,
    readings.as_of_local_date,
    readings.as_of_working_days_through,
    stored.pending_business_minutes,
    stored.pending_calendar_minutes,
    stored.resolution_clock_pauses_when_pending,
    stored.pending_business_minutes_excluded,
    stored.pending_calendar_minutes_excluded
from {{ ref('int_ticket_business_clock_stored') }} as stored
cross join {{ ref('int_data_window') }} as window_
left join {{ ref('int_ticket_as_of_readings') }} as readings on readings.team_id = stored.team_id
