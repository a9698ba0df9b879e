{#- UX1 问题解决时长(分层): median over tickets of business hours to resolution (or to an
    earlier workaround) divided by the target hours of the ticket's complexity tier.
    1.0 means "exactly on the tier's target"; a harder case mix is not penalised. -#}
{{ indicator_rollup(
    indicator_id='ux_resolution_hours_tiered',
    relation=ref('fct_tickets'),
    anchor_at='resolution_end_at',
    value='median(resolution_target_ratio)',
    sample_size='count(resolution_target_ratio)',
    where='resolution_target_ratio is not null',
) }}
