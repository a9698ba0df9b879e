{#- One row per team and local day: is it a working day, its working window in UTC, and
    the team's business minutes accumulated before it. Business time between two
    instants is then a difference of two lookups (see int_ticket_business_clock), with
    no minute-by-minute spine. -#}
with teams as (
    select * from {{ ref('stg_helpdesk__teams') }}
),

holidays as (
    select * from {{ ref('stg_helpdesk__holiday_calendars') }}
),

bounds as (
    -- two days of margin either side cover every time-zone offset
    select
        cast(first_at as date) - 2 as first_day,
        cast(as_of_at as date) + 2 as last_day
    from {{ ref('int_data_window') }}
),

days as (
    {{ tsq.series('bounds', 'cast(first_day as timestamp)', 'cast(last_day as timestamp)', tsq.interval(1, 'day'), 'local_date', 'date') }}
),

team_days as (
    select
        teams.team_id,
        teams.timezone,
        days.local_date,
        holidays.day_type as calendar_day_type,
        holidays.holiday_name,
        case
            when holidays.day_type = 'holiday' then false
            when holidays.day_type = 'workday' then true
            else position(
                ',' || cast({{ tsq.iso_day_of_week('days.local_date') }} as {{ tsq.type_text() }}) || ','
                in ',' || replace(teams.work_days, ' ', '') || ','
            ) > 0
        end as is_working_day,
        {{ local_to_utc(tsq.date_at_time('days.local_date', 'teams.work_start'), 'teams.timezone') }} as work_start_utc,
        {{ local_to_utc(tsq.date_at_time('days.local_date', 'teams.work_end'), 'teams.timezone') }} as work_end_utc
    from teams
    cross join days
    left join holidays
        on holidays.calendar_id = teams.calendar_id
        and holidays.calendar_date = days.local_date
),

with_minutes as (
    select
        *,
        case when is_working_day then {{ minutes_between('work_start_utc', 'work_end_utc') }} else 0 end
            as working_minutes
    from team_days
)

select
    *,
    coalesce(sum(working_minutes) over (
        partition by team_id order by local_date rows between unbounded preceding and 1 preceding
    ), 0) as business_minutes_before,
    sum(case when is_working_day then 1 else 0 end) over (
        partition by team_id order by local_date rows between unbounded preceding and current row
    ) as working_days_through
from with_minutes
