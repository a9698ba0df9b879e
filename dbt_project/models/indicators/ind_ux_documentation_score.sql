{#- UX4 问题记录完整性 (0-100): over tickets closed in the period,
    50 × share with a complete record (symptom, root cause, resolution summary, category,
    closure code) + 50% × mean QA documentation rubric of those reviewed; where none was
    reviewed, 100 × the complete-record share alone. -#}
{{ indicator_rollup(
    indicator_id='ux_documentation_score',
    relation=ref('int_ticket_follow_up'),
    anchor_at='closed_at',
    value='case when count(qa_documentation_score) > 0
        then 0.5 * 100.0 * avg(case when record_complete then 1.0 else 0.0 end) + 0.5 * avg(qa_documentation_score)
        else 100.0 * avg(case when record_complete then 1.0 else 0.0 end) end',
    sample_size='count(*)',
) }}
