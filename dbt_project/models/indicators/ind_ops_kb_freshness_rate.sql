{#- OPS3 知识更新及时性: active articles fresh at the month end (touched within the
    freshness window and not before the release they cover) / active articles at the
    month end. A stock: one row per article per month end (int_kb_article_month_ends), so a
    quarter pools its three month ends and a week or day shows only the month end it holds. -#}
{{ indicator_rollup(
    indicator_id='ops_kb_freshness_rate',
    relation=ref('int_kb_article_month_ends'),
    anchor_at='snapshot_at',
    value='avg(case when is_fresh then 1.0 else 0.0 end)',
    numerator='sum(case when is_fresh then 1 else 0 end)',
    denominator='count(*)',
) }}
