{#- UX4 知识库贡献: non-trivial (complexity tier 2 or 3) tickets resolved in the period
    from which their handler created or updated a linked knowledge-base article / those
    tickets. -#}
{{ indicator_rollup(
    indicator_id='ux_kb_contribution_rate',
    relation=ref('int_ticket_follow_up'),
    anchor_at='resolved_at',
    value='avg(case when kb_contributed then 1.0 else 0.0 end)',
    numerator='sum(case when kb_contributed then 1 else 0 end)',
    denominator='count(*)',
    where="complexity_tier in ('2', '3')",
) }}
