{#- One row per ticket with every per-ticket measure the indicators aggregate, and the
    columns that place it in a scope. Business times are in the owning team's calendar. -#}
with clock as (
    select * from {{ ref('int_ticket_business_clock') }}
),

first_response_targets as (
    select * from {{ ref('sla_first_response_targets') }}
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
        cast(clock.complexity_tier as varchar) as complexity_tier,
        clock.category,
        clock.status,
        clock.first_response_at,
        clock.resolution_end_at,
        clock.resolved_at,
        clock.reopen_count,
        clock.transfer_count,
        clock.escalation_count,
        clock.first_response_clock_minutes - clock.created_clock_minutes
            as first_response_business_minutes,
        {{ minutes_between('clock.created_at', 'clock.first_response_at') }}
            as first_response_calendar_minutes,
        clock.as_of_clock_minutes - clock.created_clock_minutes as open_business_minutes_as_of,
        (clock.resolution_end_clock_minutes - clock.created_clock_minutes) / 60.0
            as resolution_business_hours,
        {{ minutes_between('clock.created_at', 'clock.resolution_end_at') }} / 60.0
            as resolution_calendar_hours,
        (coalesce(clock.resolved_clock_minutes, clock.as_of_clock_minutes) - clock.created_clock_minutes)
            as open_business_minutes,
        first_response_targets.target_business_minutes as first_response_target_minutes,
        resolution_targets.target_business_hours as resolution_target_hours,
        teams.working_day_minutes
    from clock
    left join first_response_targets on first_response_targets.priority = clock.priority
    left join resolution_targets on resolution_targets.complexity_tier = clock.complexity_tier
    left join {{ ref('stg_helpdesk__teams') }} as teams on teams.team_id = clock.team_id
)

select
    measured.*,
    case
        when first_response_at is not null
            then first_response_business_minutes <= first_response_target_minutes
        -- no response yet, but already past the target: a miss, not "unknown"
        when open_business_minutes_as_of > first_response_target_minutes then false
    end as first_response_sla_met,
    resolution_business_hours / resolution_target_hours as resolution_target_ratio,
    case
        when resolved_at is not null then resolution_business_hours <= resolution_target_hours
    end as resolution_sla_met,
    proactive.update_due_days,
    proactive.proactive_update_days
from measured
left join {{ ref('int_ticket_proactive_days') }} as proactive
    on proactive.ticket_id = measured.ticket_id
