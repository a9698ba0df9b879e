{#- The business clock: a team's business minutes worked since its calendar's first day,
    read at a UTC instant. Defined once here; business minutes between two instants are
    the difference of two readings (see int_team_calendar_days for the calendar). -#}

{#- Joins the owning team and its calendar day of the instant, as `teams` and `calendar`. -#}
{% macro join_team_calendar_day(team_id, at_utc) -%}
    inner join {{ ref('stg_helpdesk__teams') }} as teams on teams.team_id = {{ team_id }}
    inner join {{ ref('int_team_calendar_days') }} as calendar
        on calendar.team_id = {{ team_id }}
        and calendar.local_date = cast({{ utc_to_local(at_utc, 'teams.timezone') }} as date)
{%- endmacro %}

{#- The reading, given the joined `calendar` day: minutes before that day, plus the part of
    the day's working window already gone at the instant. -#}
{% macro business_clock_minutes(at_utc) -%}
    calendar.business_minutes_before + case
        when calendar.is_working_day then greatest(0, least(
            {{ minutes_between('calendar.work_start_utc', at_utc) }},
            calendar.working_minutes
        ))
        else 0
    end
{%- endmacro %}
