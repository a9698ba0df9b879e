{#- OPS4 服务数据收集与分析能力: ticket records read in the period that passed the data
    gates - accepted at ingestion (not quarantined) and carrying every key timestamp their
    status implies (creation; a first agent response once past 'new'; a resolution once
    solved or closed; none before creation) - / all ticket records read, each ticket_id
    once in its latest state (accepted or quarantined), placed in the period of their
    creation (int_ticket_record_gates). -#}
{{ indicator_rollup(
    indicator_id='ops_data_completeness',
    relation=ref('int_ticket_record_gates'),
    anchor_at='created_at',
    value='avg(case when passes_gates then 1.0 else 0.0 end)',
    numerator='sum(case when passes_gates then 1 else 0 end)',
    denominator='count(*)',
) }}
