{#- The business clock: a team's business minutes worked since its calendar's first day,
    read at a UTC instant. Defined once here; business minutes between two instants are
    the difference of two readings (see int_team_calendar_days for the calendar). -#}

{#- The reading itself, given the team's calendar row of the instant's local date: the
    business minutes before that day, plus the part of the day's working window already
    worked at the instant. NULL when there is no calendar row. -#}
{% macro business_clock_minutes(calendar, at_expr) -%}
{{ calendar }}.business_minutes_before + case
        when {{ calendar }}.is_working_day then greatest(0, least(
            {{ minutes_between(calendar ~ '.work_start_utc', at_expr) }},
            {{ calendar }}.working_minutes
        ))
        else 0
    end
{%- endmacro %}

{#- The team's local date of a UTC instant: the key the calendar is joined on. -#}
{% macro team_local_date(at_expr, timezone_expr) -%}
cast({{ utc_to_local(at_expr, timezone_expr) }} as date)
{%- endmacro %}

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
    {{ business_clock_minutes('calendar', 'located.' ~ at_column) }} as business_clock_minutes
from (
    select
        instants.*,
        {{ team_local_date('instants.' ~ at_column, 'teams.timezone') }} as local_date
    from {{ instants }} as instants
    inner join {{ ref('stg_helpdesk__teams') }} as teams
        on teams.team_id = instants.{{ team_column }}
) as located
inner join {{ ref('int_team_calendar_days') }} as calendar
    on calendar.team_id = located.{{ team_column }}
    and calendar.local_date = located.local_date
{%- endmacro %}

{#- Reads the clock at several instant columns of each row of `relation` (a CTE or
    relation with a team column), beside the row: for an instant column `X_at`, the
    columns `X_clock_minutes`, `X_local_date` and `X_working_days_through`, NULL when the
    instant is NULL or outside the team's calendar. One equality join on (team, local
    date) per column, instead of a row per instant through read_business_clock pivoted
    back to one row (the pivot's grouping was half of int_ticket_business_clock's time). -#}
{% macro read_business_clock_columns(relation, team_column, at_columns) -%}
    {{ return(adapter.dispatch('read_business_clock_columns', 'tsq')(relation, team_column, at_columns)) }}
{%- endmacro %}


{#- The clock read backwards: for every row of `readings` (a CTE or relation with a team
    column and a business-clock reading in minutes), the UTC instant at which the team's
    clock reaches that reading (`reached_at`): on the working day whose window holds the
    reading, its start plus the minutes still missing. A reading beyond the calendar (after
    the as-of instant) finds no day and gives NULL. -#}
{#- On a working day holding a reading: its start plus the minutes still missing. -#}
{% macro clock_reading_reached_at(day, minutes_expr) -%}
{{ dbt.dateadd('second', 'round((' ~ minutes_expr ~ ' - ' ~ day ~ '.business_minutes_before) * 60)', day ~ '.work_start_utc') }}
{%- endmacro %}

{% macro business_clock_instant(readings, team_column, minutes_column) -%}
    {{ return(adapter.dispatch('business_clock_instant', 'tsq')(readings, team_column, minutes_column)) }}
{%- endmacro %}
