{#- OPS2 转派次数: transfers per ticket, pooled over the tickets resolved in the period
    (sum of transfer events / resolved tickets). -#}
{{ indicator_rollup(
    indicator_id='ops_reassignment_hops',
    relation=ref('fct_tickets'),
    anchor_at='resolved_at',
    value='sum(transfer_count) * 1.0 / count(*)',
    numerator='sum(transfer_count)',
    denominator='count(*)',
) }}
