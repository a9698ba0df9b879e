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

{#- Minutes between two instants, a double. Spark reads 60.0 as a DECIMAL and would keep
    the quotient a decimal of six places (DuckDB and PostgreSQL divide a whole number by
    it into a double / an exact numeric): spark__ divides a double. -#}
{% macro minutes_between(start_column, end_column) -%}
    {{ return(adapter.dispatch('minutes_between', 'tsq')(start_column, end_column)) }}
{%- endmacro %}
{% macro default__minutes_between(start_column, end_column) -%}
    ({{ dbt.datediff(start_column, end_column, 'second') }} / 60.0)
{%- endmacro %}
{% macro spark__minutes_between(start_column, end_column) -%}
    (cast({{ dbt.datediff(start_column, end_column, 'second') }} as double) / 60)
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

{#- Spark: timestamps are instants shown in the session's zone, which the spark target
    sets to UTC; from_utc_timestamp / to_utc_timestamp shift them to and from a zone. -#}
{% macro spark__parse_utc_timestamp(text_column) -%}
    {{ tsq.cast_or_null(text_column, 'timestamptz') }}
{%- endmacro %}
{% macro spark__utc_to_local(utc_column, tz) -%}
    from_utc_timestamp({{ utc_column }}, {{ tz }})
{%- endmacro %}
{% macro spark__local_to_utc(local_column, tz) -%}
    to_utc_timestamp({{ local_column }}, {{ tz }})
{%- endmacro %}

{#- iso_day_of_week(date): 1 (Monday) to 7 (Sunday). -#}
{% macro iso_day_of_week(date_expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'tsq')(date_expression)) }}
{%- endmacro %}
{% macro default__iso_day_of_week(date_expression) -%}
    extract(isodow from {{ date_expression }})
{%- endmacro %}
{% macro spark__iso_day_of_week(date_expression) -%}
    (weekday({{ date_expression }}) + 1)
{%- endmacro %}

{#- Times of day (a team's working hours). DuckDB and PostgreSQL have a TIME type; Spark
    (4.3, without its preview flag) does not: there a time of day stays its text,
    normalised to HH:MM:SS, and is read through a timestamp on 1970-01-01. -#}
{% macro time_of_day(text_expression) -%}
    {{ return(adapter.dispatch('time_of_day', 'tsq')(text_expression)) }}
{%- endmacro %}
{% macro default__time_of_day(text_expression) -%}cast({{ text_expression }} as time){%- endmacro %}
{% macro spark__time_of_day(text_expression) -%}
    date_format(cast(concat('1970-01-01 ', {{ text_expression }}) as timestamp), 'HH:mm:ss')
{%- endmacro %}

{#- minute_of_day(text): minutes from midnight of a time of day given as text. -#}
{% macro minute_of_day(text_expression) -%}
    {{ return(adapter.dispatch('minute_of_day', 'tsq')(text_expression)) }}
{%- endmacro %}
{% macro default__minute_of_day(text_expression) -%}
    (extract(hour from cast({{ text_expression }} as time)) * 60 + extract(minute from cast({{ text_expression }} as time)))
{%- endmacro %}
{% macro spark__minute_of_day(text_expression) -%}
    (hour(cast(concat('1970-01-01 ', {{ text_expression }}) as timestamp)) * 60
        + minute(cast(concat('1970-01-01 ', {{ text_expression }}) as timestamp)))
{%- endmacro %}

{#- date_at_time(date, time): the timestamp of a date at a time of day (time_of_day). -#}
{% macro date_at_time(date_expression, time_expression) -%}
    {{ return(adapter.dispatch('date_at_time', 'tsq')(date_expression, time_expression)) }}
{%- endmacro %}
{% macro default__date_at_time(date_expression, time_expression) -%}
    {{ date_expression }} + {{ time_expression }}
{%- endmacro %}
{% macro spark__date_at_time(date_expression, time_expression) -%}
    cast(concat(cast({{ date_expression }} as string), ' ', {{ time_expression }}) as timestamp)
{%- endmacro %}
