{#- UX2 问题解决率: tickets whose resolution fell due in the period (creation + their
    complexity tier's target business hours) and that were resolved by then / tickets
    that fell due in the period. Tickets not yet due are left out. -#}
{{ indicator_rollup(
    indicator_id='ux_resolution_rate',
    relation=ref('int_ticket_resolution_outcomes'),
    anchor_at='due_at',
    value='avg(case when resolved_within_commitment then 1.0 else 0.0 end)',
    numerator='sum(case when resolved_within_commitment then 1 else 0 end)',
    denominator='count(*)',
    where='resolved_within_commitment is not null',
) }}
