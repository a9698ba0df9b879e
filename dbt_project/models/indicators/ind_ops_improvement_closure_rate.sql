{#- OPS4 持续改进机制: improvement actions due in the period (and due by the as-of instant)
    closed on or before their due date / improvement actions due. -#}
{{ indicator_rollup(
    indicator_id='ops_improvement_closure_rate',
    relation=ref('int_improvement_action_outcomes'),
    anchor_at='due_at',
    value='avg(case when closed_on_time then 1.0 else 0.0 end)',
    numerator='sum(case when closed_on_time then 1 else 0 end)',
    denominator='count(*)',
    where="kind = 'improvement'",
) }}
