{#- The instant (naive UTC) a reporting period ends: its local start plus one grain, read
    in the reporting time zone. A period is complete when this instant is at or before the
    data's as-of instant (int_data_window): every event of it could have arrived. -#}
{% macro period_end_utc(grain_column, period_start_column) -%}
{{ local_to_utc(
    'cast(' ~ period_start_column ~ ' as timestamp) + case ' ~ grain_column
    ~ " when 'day' then " ~ tsq.interval(1, 'day') ~ " when 'week' then " ~ tsq.interval(7, 'day')
    ~ " when 'month' then " ~ tsq.interval(1, 'month')
    ~ " when 'quarter' then " ~ tsq.interval(3, 'month') ~ " end",
    "'" ~ var('tsq_reporting_timezone') ~ "'"
) }}
{%- endmacro %}
