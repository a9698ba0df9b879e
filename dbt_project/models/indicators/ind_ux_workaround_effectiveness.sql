{#- UX2 临时解决方案有效性: workarounds given in the period that held (no reopen,
    escalation or problem complaint through the permanent fix and at least 7 days) /
    workarounds given in the period whose outcome is decided. -#}
{{ indicator_rollup(
    indicator_id='ux_workaround_effectiveness',
    relation=ref('int_ticket_workaround_outcomes'),
    anchor_at='workaround_at',
    value='avg(case when held then 1.0 else 0.0 end)',
    numerator='sum(case when held then 1 else 0 end)',
    denominator='count(*)',
    where='held is not null',
) }}
