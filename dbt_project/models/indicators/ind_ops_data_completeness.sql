{#- OPS4 服务数据收集与分析能力 (timestamp part): tickets created in the period carrying
    every key timestamp their status implies - creation; a first agent response once past
    'new'; a resolution event once solved or closed; none before creation - / tickets
    created in the period. -#}
{%- set complete = "has_created_at and coalesce(has_first_response_at, true) and coalesce(has_resolution_at, true)" -%}
{{ indicator_rollup(
    indicator_id='ops_data_completeness',
    relation=ref('int_ticket_process_checks'),
    anchor_at='created_at',
    value='avg(case when ' ~ complete ~ ' then 1.0 else 0.0 end)',
    numerator='sum(case when ' ~ complete ~ ' then 1 else 0 end)',
    denominator='count(*)',
) }}
