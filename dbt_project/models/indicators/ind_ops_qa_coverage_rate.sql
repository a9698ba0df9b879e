{#- OPS2 质检覆盖率: tickets closed in the period that received at least one QA review /
    tickets closed in the period. -#}
{{ indicator_rollup(
    indicator_id='ops_qa_coverage_rate',
    relation=ref('int_ticket_follow_up'),
    anchor_at='closed_at',
    value='avg(case when qa_review_count > 0 then 1.0 else 0.0 end)',
    numerator='sum(case when qa_review_count > 0 then 1 else 0 end)',
    denominator='count(*)',
) }}
