{#- UX2 专业知识与技能: the QA expertise rubric mean (0-100), blended with the mean
    mystery-shopper technical accuracy where the scope and period have both:
    (1 - w) x QA mean + w x shopper mean, w = tsq_expertise_shop_weight (0.3). With only
    one source, that source's mean. -#}
{%- set w = var('tsq_expertise_shop_weight', 0.3) -%}
{{ indicator_rollup(
    indicator_id='ux_expertise_score',
    relation=ref('int_expertise_assessments'),
    anchor_at='assessed_at',
    value='case when count(qa_expertise_score) > 0 and count(shop_technical_accuracy) > 0
        then ' ~ (1 - w) ~ ' * avg(qa_expertise_score) + ' ~ w ~ ' * avg(shop_technical_accuracy)
        else coalesce(avg(qa_expertise_score), avg(shop_technical_accuracy)) end',
    sample_size='count(qa_expertise_score) + count(shop_technical_accuracy)',
    where='qa_expertise_score is not null or shop_technical_accuracy is not null',
) }}
