{#- Per ticket: the working days after the creation day on which an update was due
    (through resolution, or the as-of day while open), and how many of them had a
    proactive update from an agent. -#}
{{ per_ticket_incremental() }}
with clock as (
    select * from {{ ref('int_ticket_business_clock') }}
    {{- touched_only('ticket_id') }}
),

proactive_updates as (
    select events.ticket_id, clock.team_id, events.event_at
    from {{ ref('stg_helpdesk__ticket_events') }} as events
    inner join clock on clock.ticket_id = events.ticket_id
    where events.event_type = 'proactive_update'
      and events.actor_type = 'agent'
      {{ touched_only('events.ticket_id', 'and') }}
),

update_readings as (
    -- each update's local day on the owning team's calendar
    {{ read_business_clock('proactive_updates', 'team_id', 'event_at') }}
),

update_days as (
    select
        update_readings.ticket_id,
        count(distinct update_readings.local_date) as proactive_update_days
    from update_readings
    inner join clock on clock.ticket_id = update_readings.ticket_id
    where update_readings.is_working_day
      and update_readings.local_date > clock.created_local_date
      and update_readings.local_date <= coalesce(clock.resolved_local_date, clock.as_of_local_date)
    group by update_readings.ticket_id
)

select
    clock.ticket_id,
    coalesce(clock.resolved_working_days_through, clock.as_of_working_days_through)
        - clock.created_working_days_through as update_due_days,
    coalesce(update_days.proactive_update_days, 0) as proactive_update_days
from clock
left join update_days on update_days.ticket_id = clock.ticket_id
