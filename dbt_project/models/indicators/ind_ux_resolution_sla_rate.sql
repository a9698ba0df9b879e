{#- UX1 解决时限达标率: tickets resolved in the period within their tier's target hours
    / tickets resolved in the period. -#}
{{ indicator_rollup(
    indicator_id='ux_resolution_sla_rate',
    relation=ref('fct_tickets'),
    anchor_at='resolved_at',
    value='avg(case when resolution_sla_met then 1.0 else 0.0 end)',
    numerator='sum(case when resolution_sla_met then 1 else 0 end)',
    denominator='count(*)',
    where='resolution_sla_met is not null',
) }}
