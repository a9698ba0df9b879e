{#- UX3 满意度(好评率): surveys answered in the period with a rating of 4 or 5 /
    surveys answered in the period (rating 1-5). -#}
{{ indicator_rollup(
    indicator_id='ux_csat_rate',
    relation=ref('int_survey_outcomes'),
    anchor_at='answered_at',
    value='avg(case when rating >= 4 then 1.0 else 0.0 end)',
    numerator='sum(case when rating >= 4 then 1 else 0 end)',
    denominator='count(*)',
    where='rating between 1 and 5',
) }}
