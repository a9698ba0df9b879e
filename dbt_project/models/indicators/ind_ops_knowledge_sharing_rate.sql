{#- OPS3 技术经验传承与分享: agents active in the period (acted on a ticket or worked on
    the knowledge base) who authored an article or made a kb_links 'created'/'updated'
    link in it / agents active in the period. Distinct agents over agent-day rows, so the
    share is exact at every period grain. -#}
{{ indicator_rollup(
    indicator_id='ops_knowledge_sharing_rate',
    relation=ref('int_agent_activity_days'),
    anchor_at='first_active_at',
    value='count(distinct case when shared_knowledge then agent_id end) * 1.0 / count(distinct agent_id)',
    numerator='count(distinct case when shared_knowledge then agent_id end)',
    denominator='count(distinct agent_id)',
    sample_size='count(distinct agent_id)',
) }}
