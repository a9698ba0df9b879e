{#- UX3 满意度调查回复率: surveys sent in the period and answered within the response
    window (7 days) / surveys sent in the period whose window has closed. -#}
{{ indicator_rollup(
    indicator_id='ux_survey_response_rate',
    relation=ref('int_survey_outcomes'),
    anchor_at='sent_at',
    value='avg(case when answered_in_window then 1.0 else 0.0 end)',
    numerator='sum(case when answered_in_window then 1 else 0 end)',
    denominator='count(*)',
    where='response_window_closed',
) }}
