{#- UX2 一次性解决率: tickets resolved in the period without reopen, transfer, escalation
    or workaround and with no customer reply between the first agent reply and the
    resolution / tickets resolved in the period. -#}
{{ indicator_rollup(
    indicator_id='ux_first_contact_resolution_rate',
    relation=ref('int_ticket_resolution_outcomes'),
    anchor_at='resolved_at',
    value='avg(case when first_contact_resolved then 1.0 else 0.0 end)',
    numerator='sum(case when first_contact_resolved then 1 else 0 end)',
    denominator='count(*)',
    where='first_contact_resolved is not null',
) }}
