{#- UX3 满意度均分: mean rating (1-5) of the surveys answered in the period. -#}
{{ indicator_rollup(
    indicator_id='ux_csat_mean',
    relation=ref('int_survey_outcomes'),
    anchor_at='answered_at',
    value='avg(rating)',
    where='rating between 1 and 5',
) }}
