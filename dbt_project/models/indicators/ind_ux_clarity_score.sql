{#- UX3 沟通清晰度与条理性: mean QA clarity rubric score (0-100) of the reviews done in the period,
    in the scope of the reviewed ticket. -#}
{{ indicator_rollup(
    indicator_id='ux_clarity_score',
    relation=ref('int_qa_review_rubrics'),
    anchor_at='reviewed_at',
    value='avg(clarity_score)',
    sample_size='count(clarity_score)',
    where='clarity_score is not null',
) }}
