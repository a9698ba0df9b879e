{#- OPS2 升级率: tickets resolved in the period that were escalated to a higher tier at
    least once / tickets resolved in the period. Scored against a band: too few
    escalations (hoarding hard cases) and too many (a weak first tier) both lose. -#}
{{ indicator_rollup(
    indicator_id='ops_escalation_rate',
    relation=ref('int_ticket_process_checks'),
    anchor_at='resolved_at',
    value='avg(case when upward_escalation_count > 0 then 1.0 else 0.0 end)',
    numerator='sum(case when upward_escalation_count > 0 then 1 else 0 end)',
    denominator='count(*)',
) }}
