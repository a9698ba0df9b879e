{#- OPS2 工单规范性: tickets closed in the period whose record followed the process -
    category, product and agent set, a status log that chains from 'new' to 'closed'
    without gaps, and a closure code - / tickets closed in the period. -#}
{{ indicator_rollup(
    indicator_id='ops_ticket_hygiene_rate',
    relation=ref('int_ticket_process_checks'),
    anchor_at='closed_at',
    value='avg(case when has_required_fields and has_valid_status_order and has_closure_code then 1.0 else 0.0 end)',
    numerator='sum(case when has_required_fields and has_valid_status_order and has_closure_code then 1 else 0 end)',
    denominator='count(*)',
    where="status = 'closed'",
) }}
