{#- Time conversions. Everything is stored as naive UTC timestamps; these macros are the
    only place that knows how a warehouse converts between UTC and a local time zone. -#}

{% macro parse_utc_timestamp(text_column) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'tsq')(text_column)) }}
{%- endmacro %}
{% macro default__parse_utc_timestamp(text_column) -%}
    {#- an unparseable value becomes NULL (tsq.cast_or_null), as on DuckDB -#}
    cast({{ tsq.cast_or_null(text_column, 'timestamptz') }} at time zone 'UTC' as timestamp)
{%- endmacro %}
{% macro duckdb__parse_utc_timestamp(text_column) -%}
    {#- try_cast: an unparseable value becomes NULL here and is caught by the raw suite. -#}
    cast(timezone('UTC', try_cast({{ text_column }} as timestamptz)) as timestamp)
{%- endmacro %}

{% macro utc_to_local(utc_column, tz) -%}
    {{ return(adapter.dispatch('utc_to_local', 'tsq')(utc_column, tz)) }}
{%- endmacro %}
{% macro default__utc_to_local(utc_column, tz) -%}
    {#- bracketed: AT TIME ZONE binds tighter than + and -, so `x + interval` must be
        converted whole -#}
    ((({{ utc_column }}) at time zone 'UTC') at time zone {{ tz }})
{%- endmacro %}
{% macro duckdb__utc_to_local(utc_column, tz) -%}
    timezone({{ tz }}, timezone('UTC', {{ utc_column }}))
{%- endmacro %}

{% macro local_to_utc(local_column, tz) -%}
    {{ return(adapter.dispatch('local_to_utc', 'tsq')(local_column, tz)) }}
{%- endmacro %}
{% macro default__local_to_utc(local_column, tz) -%}
    ((({{ local_column }}) at time zone {{ tz }}) at time zone 'UTC')
{%- endmacro %}
{% macro duckdb__local_to_utc(local_column, tz) -%}
    timezone('UTC', timezone({{ tz }}, {{ local_column }}))
{%- endmacro %}

{% macro minutes_between(start_column, end_column) -%}
    ({{ dbt.datediff(start_column, end_column, 'second') }} / 60.0)
{%- endmacro %}

{% macro reporting_local_time(utc_column) -%}
    {{ utc_to_local(utc_column, "'" ~ var('tsq_reporting_timezone') ~ "'") }}
{%- endmacro %}

{#- The start of the reporting period holding an instant, already in reporting local time. -#}
{% macro local_period_start(grain, local_column) -%}
    cast({{ dbt.date_trunc(grain, local_column) }} as date)
{%- endmacro %}

{% macro period_start(grain, utc_column) -%}
    {{ local_period_start(grain, reporting_local_time(utc_column)) }}
{%- endmacro %}
