{#- UX4 回访率: P1/P2 or tier-3 tickets resolved in the period with a callback within
    var('tsq_callback_days', 3) working days after the final resolution / those whose
    callback window is decided (called back, or the window has passed). -#}
{{ indicator_rollup(
    indicator_id='ux_callback_rate',
    relation=ref('int_ticket_follow_up'),
    anchor_at='resolved_at',
    value='avg(case when callback_in_time then 1.0 else 0.0 end)',
    numerator='sum(case when callback_in_time then 1 else 0 end)',
    denominator='count(*)',
    where='callback_in_time is not null',
) }}
