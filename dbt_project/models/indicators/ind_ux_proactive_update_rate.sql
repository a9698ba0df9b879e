{#- UX1 沟通主动性: over tickets open longer than one working day (of their team), the
    working days with a proactive agent update / the working days an update was due. -#}
{{ indicator_rollup(
    indicator_id='ux_proactive_update_rate',
    relation=ref('fct_tickets'),
    anchor_at='created_at',
    value='sum(proactive_update_days) * 1.0 / sum(update_due_days)',
    numerator='sum(proactive_update_days)',
    denominator='sum(update_due_days)',
    where='open_business_minutes > working_day_minutes and update_due_days > 0',
) }}
