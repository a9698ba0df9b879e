{#- UX3 语言表达与理解能力: mean QA language rubric score (0-100) of the reviews done in the period,
    in the scope of the reviewed ticket. -#}
{{ indicator_rollup(
    indicator_id='ux_language_score',
    relation=ref('int_qa_review_rubrics'),
    anchor_at='reviewed_at',
    value='avg(language_score)',
    sample_size='count(language_score)',
    where='language_score is not null',
) }}
