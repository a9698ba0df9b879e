{#- The business clock: a team's business minutes worked since its calendar's first day,
    read at a UTC instant. Defined once here; business minutes between two instants are
    the difference of two readings (see int_team_calendar_days for the calendar). -#}

{#- Reads the clock for every row of `instants` (a CTE or relation with a team column and
    a UTC instant column). Returns the rows of `instants` with the team's local date of the
    instant (`local_date`), whether it `is_working_day`, its `working_days_through` and
    `business_clock_minutes`.

    The local date is worked out first, in a subquery, so the calendar is joined on two
    plain equality keys (team, local date): written as one join condition over the team's
    time zone, DuckDB cannot hash it and the join took a minute at a million tickets. -#}
{% macro read_business_clock(instants, team_column, at_column) -%}
select
    located.*,
    calendar.is_working_day,
    calendar.working_days_through,
    calendar.business_minutes_before + case
        when calendar.is_working_day then greatest(0, least(
            {{ minutes_between('calendar.work_start_utc', 'located.' ~ at_column) }},
            calendar.working_minutes
        ))
        else 0
    end as business_clock_minutes
from (
    select
        instants.*,
        cast({{ utc_to_local('instants.' ~ at_column, 'teams.timezone') }} as date) as local_date
    from {{ instants }} as instants
    inner join {{ ref('stg_helpdesk__teams') }} as teams
        on teams.team_id = instants.{{ team_column }}
) as located
inner join {{ ref('int_team_calendar_days') }} as calendar
    on calendar.team_id = located.{{ team_column }}
    and calendar.local_date = located.local_date
{%- endmacro %}
