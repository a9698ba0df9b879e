{#- UX2 重开率: tickets first resolved in the period that were reopened (so far) /
    tickets first resolved in the period. Lower is better. -#}
{{ indicator_rollup(
    indicator_id='ux_reopen_rate',
    relation=ref('int_ticket_resolution_outcomes'),
    anchor_at='first_resolved_at',
    value='avg(case when reopened then 1.0 else 0.0 end)',
    numerator='sum(case when reopened then 1 else 0 end)',
    denominator='count(*)',
    where='reopened is not null',
) }}
