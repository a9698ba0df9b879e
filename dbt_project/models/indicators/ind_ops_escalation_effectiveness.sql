{#- OPS2 升级机制效率: upward escalations made in the period that the target tier took up
    within the acceptance target and that ended resolved with no hand-back to a lower tier
    and no further escalation / upward escalations whose outcome is decided. -#}
{{ indicator_rollup(
    indicator_id='ops_escalation_effectiveness',
    relation=ref('int_ticket_escalations'),
    anchor_at='escalated_at',
    value='avg(case when is_effective then 1.0 else 0.0 end)',
    numerator='sum(case when is_effective then 1 else 0 end)',
    denominator='count(*)',
    where='is_upward and is_effective is not null',
) }}
