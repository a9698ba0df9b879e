{#- OPS1 技能匹配率: tickets resolved in the period whose final resolution was by an agent
    holding the ticket category's skill / tickets resolved in the period by a rostered
    agent. -#}
{{ indicator_rollup(
    indicator_id='ops_skill_match_rate',
    relation=ref('int_ticket_resourcing'),
    anchor_at='resolved_at',
    value='avg(case when resolver_has_skill then 1.0 else 0.0 end)',
    numerator='sum(case when resolver_has_skill then 1 else 0 end)',
    denominator='count(*)',
    where='resolver_has_skill is not null',
) }}
