{#- UX2 问题解决率 (一次性或在承诺时间内成功解决): tickets whose resolution fell due in the
    period (creation + their complexity tier's target on their SLA clock, waits on the
    customer not counted) that were resolved in one go (no reopen, transfer or
    escalation), however late, or within the commitment / tickets that fell due in the
    period. Tickets not yet due are left out. -#}
{{ indicator_rollup(
    indicator_id='ux_resolution_rate',
    relation=ref('int_ticket_resolution_outcomes'),
    anchor_at='due_at',
    value='avg(case when resolved_in_one_go_or_in_time then 1.0 else 0.0 end)',
    numerator='sum(case when resolved_in_one_go_or_in_time then 1 else 0 end)',
    denominator='count(*)',
    where='resolved_in_one_go_or_in_time is not null',
) }}
