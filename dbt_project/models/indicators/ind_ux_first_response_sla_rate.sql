{#- UX1 首次响应达标率: tickets created in the period whose first response met their
    priority's target on the priority's SLA clock (24x7 for P1, business hours for the
    others) / tickets whose target is decided (answered, or already overdue). -#}
{{ indicator_rollup(
    indicator_id='ux_first_response_sla_rate',
    relation=ref('fct_tickets'),
    anchor_at='created_at',
    value='avg(case when first_response_sla_met then 1.0 else 0.0 end)',
    numerator='sum(case when first_response_sla_met then 1 else 0 end)',
    denominator='count(*)',
    where='first_response_sla_met is not null',
) }}
