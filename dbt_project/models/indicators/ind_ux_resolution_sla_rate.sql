{#- UX1 解决时限达标率: tickets resolved in the period within their tier's target hours on
    their priority's SLA clock (24x7 for P1, business hours for the others), the clock
    stopping at the final resolution or an earlier workaround that held and pausing while
    the ticket waited on the customer / tickets resolved in the period. -#}
{{ indicator_rollup(
    indicator_id='ux_resolution_sla_rate',
    relation=ref('fct_tickets'),
    anchor_at='resolved_at',
    value='avg(case when resolution_sla_met then 1.0 else 0.0 end)',
    numerator='sum(case when resolution_sla_met then 1 else 0 end)',
    denominator='count(*)',
    where='resolution_sla_met is not null',
) }}
