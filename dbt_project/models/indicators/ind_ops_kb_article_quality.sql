{#- OPS3 知识库内容质量: helpful votes / all votes on the articles active at the month end
    (votes are the articles' running totals; the export does not date them). Articles
    without votes add nothing. Reuse per article is reported in int_kb_article_month_ends,
    not scored. -#}
{{ indicator_rollup(
    indicator_id='ops_kb_article_quality',
    relation=ref('int_kb_article_month_ends'),
    anchor_at='snapshot_at',
    value='sum(helpful_votes) * 1.0 / sum(helpful_votes + unhelpful_votes)',
    numerator='sum(helpful_votes)',
    denominator='sum(helpful_votes + unhelpful_votes)',
    sample_size='sum(helpful_votes + unhelpful_votes)',
    where='helpful_votes + unhelpful_votes > 0',
) }}
