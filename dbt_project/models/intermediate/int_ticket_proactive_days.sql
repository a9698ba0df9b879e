{#- Per ticket: the working days after the creation day on which an update was due
    (through resolution, or the as-of day while open), and how many of them had a
    proactive update from an agent. -#}
with clock as (
    select * from {{ ref('int_ticket_business_clock') }}
),

update_days as (
    select
        events.ticket_id,
        count(distinct calendar.local_date) as proactive_update_days
    from {{ ref('stg_helpdesk__ticket_events') }} as events
    inner join clock on clock.ticket_id = events.ticket_id
    inner join {{ ref('stg_helpdesk__teams') }} as teams on teams.team_id = clock.team_id
    inner join {{ ref('int_team_calendar_days') }} as calendar
        on calendar.team_id = clock.team_id
        and calendar.local_date = cast({{ utc_to_local('events.event_at', 'teams.timezone') }} as date)
    where events.event_type = 'proactive_update'
      and events.actor_type = 'agent'
      and calendar.is_working_day
      and calendar.local_date > clock.created_local_date
      and calendar.local_date <= coalesce(clock.resolved_local_date, clock.as_of_local_date)
    group by events.ticket_id
)

select
    clock.ticket_id,
    coalesce(clock.resolved_working_days_through, clock.as_of_working_days_through)
        - clock.created_working_days_through as update_due_days,
    coalesce(update_days.proactive_update_days, 0) as proactive_update_days
from clock
left join update_days on update_days.ticket_id = clock.ticket_id
