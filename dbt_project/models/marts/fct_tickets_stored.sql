{#- One row per ticket with every per-ticket measure the indicators aggregate, and the
    columns that place it in a scope. Business times are in the owning team's calendar;
    calendar times count every minute (24x7).

    The SLA clock of a ticket is its priority's (seeds/sla_priority_policies.csv):
    'calendar' (24x7) or 'business'. Both the first response and the resolution are
    judged on it, and the *_sla_minutes columns are the minutes on that clock. A priority
    the seed does not list gets the business clock and no targets (SLA verdicts NULL).
    Resolution time runs from creation to the clock's stop (final resolution or an
    earlier held workaround, see int_ticket_business_clock), less the time the ticket
    waited on the customer when the pause is on.

    The stored rows of fct_tickets: the open ages at the as-of instant
    (open_*_minutes_as_of) are read here for the first-response verdict but not kept; the
    view fct_tickets adds them. Every stored column depends on the as-of instant only for
    the tickets int_touched_tickets touches when the instant moves (open, or no first
    response and the target not yet passed; through int_ticket_business_clock and
    int_ticket_proactive_days: still-pending waits, undecided workarounds). -#}
{{ per_ticket_incremental() }}
with clock as (
    select * from {{ ref('int_ticket_business_clock') }}
    {{- touched_only('ticket_id') }}
),

priority_policies as (
    select * from {{ ref('sla_priority_policies') }}
),

resolution_targets as (
    select * from {{ ref('sla_resolution_targets') }}
),

measured as (
    select
        clock.ticket_id,
        clock.created_at,
        clock.team_id,
        clock.agent_id,
        clock.product,
        clock.channel,
        clock.priority,
        cast(clock.complexity_tier as {{ tsq.type_text() }}) as complexity_tier,
        clock.category,
        clock.status,
        clock.first_response_at,
        clock.resolution_end_at,
        clock.resolution_stopped_by,
        clock.resolved_at,
        clock.reopen_count,
        clock.transfer_count,
        clock.escalation_count,
        coalesce(priority_policies.sla_clock, 'business') as sla_clock,
        clock.first_response_clock_minutes - clock.created_clock_minutes
            as first_response_business_minutes,
        {{ minutes_between('clock.created_at', 'clock.first_response_at') }}
            as first_response_calendar_minutes,
        clock.as_of_clock_minutes - clock.created_clock_minutes as open_business_minutes_as_of,
        {{ minutes_between('clock.created_at', 'clock.as_of_at') }} as open_calendar_minutes_as_of,
        -- net of the waits on the customer excluded (none when the pause is off)
        clock.resolution_end_clock_minutes - clock.created_clock_minutes
            - clock.pending_business_minutes_excluded as resolution_business_minutes,
        {{ minutes_between('clock.created_at', 'clock.resolution_end_at') }}
            - clock.pending_calendar_minutes_excluded as resolution_calendar_minutes,
        clock.resolution_clock_pauses_when_pending,
        clock.pending_business_minutes_excluded,
        clock.pending_calendar_minutes_excluded,
        clock.created_clock_minutes,
        (coalesce(clock.resolved_clock_minutes, clock.as_of_clock_minutes) - clock.created_clock_minutes)
            as open_business_minutes,
        priority_policies.first_response_target_minutes,
        resolution_targets.resolution_target_hours,
        teams.working_day_minutes
    from clock
    left join priority_policies on priority_policies.priority = clock.priority
    left join resolution_targets on resolution_targets.complexity_tier = clock.complexity_tier
    left join {{ ref('stg_helpdesk__teams') }} as teams on teams.team_id = clock.team_id
),

on_the_sla_clock as (
    select
        *,
        case when sla_clock = 'calendar' then first_response_calendar_minutes else first_response_business_minutes end
            as first_response_sla_minutes,
        case when sla_clock = 'calendar' then open_calendar_minutes_as_of else open_business_minutes_as_of end
            as open_sla_minutes_as_of,
        case when sla_clock = 'calendar' then resolution_calendar_minutes else resolution_business_minutes end
            as resolution_sla_minutes,
        resolution_business_minutes / 60.0 as resolution_business_hours,
        resolution_calendar_minutes / 60.0 as resolution_calendar_hours
    from measured
)

select
    on_the_sla_clock.ticket_id,
    on_the_sla_clock.created_at,
    on_the_sla_clock.team_id,
    on_the_sla_clock.agent_id,
    on_the_sla_clock.product,
    on_the_sla_clock.channel,
    on_the_sla_clock.priority,
    on_the_sla_clock.complexity_tier,
    on_the_sla_clock.category,
    on_the_sla_clock.status,
    on_the_sla_clock.first_response_at,
    on_the_sla_clock.resolution_end_at,
    on_the_sla_clock.resolution_stopped_by,
    on_the_sla_clock.resolved_at,
    on_the_sla_clock.reopen_count,
    on_the_sla_clock.transfer_count,
    on_the_sla_clock.escalation_count,
    on_the_sla_clock.sla_clock,
    on_the_sla_clock.first_response_business_minutes,
    on_the_sla_clock.first_response_calendar_minutes,
    on_the_sla_clock.resolution_business_minutes,
    on_the_sla_clock.resolution_calendar_minutes,
    on_the_sla_clock.resolution_clock_pauses_when_pending,
    on_the_sla_clock.pending_business_minutes_excluded,
    on_the_sla_clock.pending_calendar_minutes_excluded,
    on_the_sla_clock.open_business_minutes,
    on_the_sla_clock.first_response_target_minutes,
    on_the_sla_clock.resolution_target_hours,
    on_the_sla_clock.working_day_minutes,
    on_the_sla_clock.first_response_sla_minutes,
    on_the_sla_clock.resolution_sla_minutes,
    on_the_sla_clock.resolution_business_hours,
    on_the_sla_clock.resolution_calendar_hours,
    -- kept for the view fct_tickets, which reads the open ages off it
    on_the_sla_clock.created_clock_minutes,
    case
        when first_response_at is not null
            then first_response_sla_minutes <= first_response_target_minutes
        -- no response yet, but already past the target: a miss, not "unknown"
        when open_sla_minutes_as_of > first_response_target_minutes then false
    end as first_response_sla_met,
    resolution_sla_minutes / 60.0 / resolution_target_hours as resolution_target_ratio,
    case
        when resolved_at is not null then resolution_sla_minutes <= resolution_target_hours * 60
    end as resolution_sla_met,
    proactive.update_due_days,
    proactive.proactive_update_days
from on_the_sla_clock
left join {{ ref('int_ticket_proactive_days') }} as proactive
    on proactive.ticket_id = on_the_sla_clock.ticket_id
