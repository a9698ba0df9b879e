{#- 神秘顾客测试 (UX3): mean overall mystery-shopper score (0-100) of the tests run in the
    period. Tests have a team, agent and channel only. -#}
{{ indicator_rollup(
    indicator_id='ux_mystery_shopper_score',
    relation=ref('int_mystery_shop_scores'),
    anchor_at='tested_at',
    value='avg(overall)',
    sample_size='count(overall)',
    where='overall is not null',
) }}
