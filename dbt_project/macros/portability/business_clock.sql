{#- The business clock's engine-specific readings (business_clock.sql dispatches to them):
    read_business_clock_columns (DuckDB drops its helper columns with `* exclude`, which
    other engines lack) and business_clock_instant (DuckDB's ASOF join). -#}

{#- DuckDB: the local dates in a subquery, dropped again with `* exclude` (see above for
    why DuckDB wants plain equality keys). -#}
{% macro duckdb__read_business_clock_columns(relation, team_column, at_columns) -%}
select
    located.* exclude ({% for at in at_columns %}_tsq_{{ at }}_local_date{% if not loop.last %}, {% endif %}{% endfor %}),
    {%- for at in at_columns %}
    {%- set reading = at | replace('_at', '') %}
    {{ business_clock_minutes('calendar_' ~ loop.index, 'located.' ~ at) }} as {{ reading }}_clock_minutes,
    calendar_{{ loop.index }}.local_date as {{ reading }}_local_date,
    calendar_{{ loop.index }}.working_days_through as {{ reading }}_working_days_through{% if not loop.last %},{% endif %}
    {%- endfor %}
from (
    select
        instants.*,
        {%- for at in at_columns %}
        {{ team_local_date('instants.' ~ at, 'teams.timezone') }} as _tsq_{{ at }}_local_date{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ relation }} as instants
    left join {{ ref('stg_helpdesk__teams') }} as teams
        on teams.team_id = instants.{{ team_column }}
) as located
{%- for at in at_columns %}
left join {{ ref('int_team_calendar_days') }} as calendar_{{ loop.index }}
    on calendar_{{ loop.index }}.team_id = located.{{ team_column }}
    and calendar_{{ loop.index }}.local_date = located._tsq_{{ at }}_local_date
{%- endfor %}
{%- endmacro %}

{#- Elsewhere (no `* exclude`): the local date is the join condition itself, which
    PostgreSQL hashes as it is (each side of the equality reads one side of the join). -#}
{% macro default__read_business_clock_columns(relation, team_column, at_columns) -%}
select
    instants.*,
    {%- for at in at_columns %}
    {%- set reading = at | replace('_at', '') %}
    {{ business_clock_minutes('calendar_' ~ loop.index, 'instants.' ~ at) }} as {{ reading }}_clock_minutes,
    calendar_{{ loop.index }}.local_date as {{ reading }}_local_date,
    calendar_{{ loop.index }}.working_days_through as {{ reading }}_working_days_through{% if not loop.last %},{% endif %}
    {%- endfor %}
from {{ relation }} as instants
left join {{ ref('stg_helpdesk__teams') }} as teams
    on teams.team_id = instants.{{ team_column }}
{%- for at in at_columns %}
left join {{ ref('int_team_calendar_days') }} as calendar_{{ loop.index }}
    on calendar_{{ loop.index }}.team_id = instants.{{ team_column }}
    and calendar_{{ loop.index }}.local_date = {{ team_local_date('instants.' ~ at, 'teams.timezone') }}
{%- endfor %}
{%- endmacro %}

{% macro default__business_clock_instant(readings, team_column, minutes_column) -%}
select
    readings.*,
    {{ clock_reading_reached_at('calendar', 'readings.' ~ minutes_column) }} as reached_at
from {{ readings }} as readings
left join {{ ref('int_team_calendar_days') }} as calendar
    on calendar.team_id = readings.{{ team_column }}
    and calendar.is_working_day
    and readings.{{ minutes_column }} > calendar.business_minutes_before
    and readings.{{ minutes_column }} <= calendar.business_minutes_before + calendar.working_minutes
{%- endmacro %}

{#- DuckDB: the same day found by an ASOF join, the last working day starting below the
    reading; it holds the reading unless the reading lies past that day's end (past the
    calendar). Working days' windows are consecutive on the clock, so no other day can
    hold it. The range join above made DuckDB compare every ticket with every day of its
    team; this is a sorted merge (docs/performance.md). -#}
{% macro duckdb__business_clock_instant(readings, team_column, minutes_column) -%}
select
    readings.*,
    case
        when readings.{{ minutes_column }} <= working_days.business_minutes_before + working_days.working_minutes
            then {{ clock_reading_reached_at('working_days', 'readings.' ~ minutes_column) }}
    end as reached_at
from {{ readings }} as readings
asof left join (
    select team_id, business_minutes_before, working_minutes, work_start_utc
    from {{ ref('int_team_calendar_days') }}
    where is_working_day
) as working_days
    on working_days.team_id = readings.{{ team_column }}
    and readings.{{ minutes_column }} > working_days.business_minutes_before
{%- endmacro %}
