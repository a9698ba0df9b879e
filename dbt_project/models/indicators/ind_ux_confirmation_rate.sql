{#- UX4 解决后确认: tickets closed in the period whose resolution was confirmed with the
    user (a confirmation event after the last reopen, at or before closure) / tickets
    closed in the period. -#}
{{ indicator_rollup(
    indicator_id='ux_confirmation_rate',
    relation=ref('int_ticket_follow_up'),
    anchor_at='closed_at',
    value='avg(case when confirmed_before_closure then 1.0 else 0.0 end)',
    numerator='sum(case when confirmed_before_closure then 1 else 0 end)',
    denominator='count(*)',
    where='confirmed_before_closure is not null',
) }}
