{#- One row per ticket: its SLA clock and both SLA verdicts, with the minutes behind them
    on both clocks, so a reader can see what a 24x7 priority would have scored in
    business minutes and the reverse. Read from fct_tickets, where the rules live. -#}
select
    ticket_id,
    team_id,
    priority,
    complexity_tier,
    created_at,
    sla_clock,
    first_response_at,
    first_response_business_minutes,
    first_response_calendar_minutes,
    first_response_target_minutes,
    first_response_sla_met,
    resolved_at,
    resolution_end_at as resolution_clock_stopped_at,
    resolution_stopped_by as resolution_clock_stopped_by,
    resolution_business_minutes,
    resolution_calendar_minutes,
    resolution_clock_pauses_when_pending,
    pending_business_minutes_excluded,
    pending_calendar_minutes_excluded,
    resolution_target_hours,
    resolution_sla_met
from {{ ref('fct_tickets') }}
