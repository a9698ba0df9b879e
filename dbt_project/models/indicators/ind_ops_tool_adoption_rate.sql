{#- OPS1 工具与系统支持: tickets resolved in the period with at least one event that used a
    supporting tool (kb_lookup, remote_assist, template) / tickets resolved in the period. -#}
{{ indicator_rollup(
    indicator_id='ops_tool_adoption_rate',
    relation=ref('int_ticket_resourcing'),
    anchor_at='resolved_at',
    value='avg(case when used_tool then 1.0 else 0.0 end)',
    numerator='sum(case when used_tool then 1 else 0 end)',
    denominator='count(*)',
) }}
