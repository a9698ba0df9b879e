{#- Every indicator model, one after the other, in one shape. The list below is generated
    from the catalogue seed by `tsq docs` (orchestration/catalog_doc.py): adding an
    indicator means its model and its catalogue row, then `tsq docs`. -#}
{% set indicator_models = [
    'ind_ux_first_response_minutes',
    'ind_ux_first_response_sla_rate',
    'ind_ux_resolution_hours_tiered',
    'ind_ux_resolution_sla_rate',
    'ind_ux_proactive_update_rate',
    'ind_ux_expertise_score',
    'ind_ux_resolution_rate',
    'ind_ux_first_contact_resolution_rate',
    'ind_ux_reopen_rate',
    'ind_ux_workaround_effectiveness',
    'ind_ux_language_score',
    'ind_ux_clarity_score',
    'ind_ux_attitude_score',
    'ind_ux_csat_rate',
    'ind_ux_csat_mean',
    'ind_ux_survey_response_rate',
    'ind_ux_complaint_rate',
    'ind_ux_mystery_shopper_score',
    'ind_ux_confirmation_rate',
    'ind_ux_callback_rate',
    'ind_ux_documentation_score',
    'ind_ux_kb_contribution_rate',
    'ind_ux_complaint_resolution_hours',
    'ind_ops_skill_coverage',
    'ind_ops_skill_match_rate',
    'ind_ops_tool_adoption_rate',
    'ind_ops_qa_coverage_rate',
    'ind_ops_process_compliance_rate',
    'ind_ops_ticket_hygiene_rate',
    'ind_ops_escalation_rate',
    'ind_ops_escalation_effectiveness',
    'ind_ops_reassignment_hops',
    'ind_ops_process_review_rate',
    'ind_ops_kb_link_rate',
    'ind_ops_kb_freshness_rate',
    'ind_ops_kb_article_quality',
    'ind_ops_knowledge_sharing_rate',
    'ind_ops_data_completeness',
    'ind_ops_improvement_closure_rate',
] %}

{% for model in indicator_models %}
    -- one shape for every indicator model, whatever types its aggregates produced
    select
        cast(period_grain as {{ tsq.type_text() }}) as period_grain,
        cast(period_start as date) as period_start,
        cast(scope_type as {{ tsq.type_text() }}) as scope_type,
        cast(scope_id as {{ tsq.type_text() }}) as scope_id,
        cast(indicator_id as {{ tsq.type_text() }}) as indicator_id,
        -- 9 decimals: parallel float sums differ in the last bits from run to run, and
        -- a rerun on the same data must publish the same numbers
        {{ tsq.round_double('cast(value as ' ~ tsq.type_double() ~ ')', 9) }} as value,
        cast(numerator as {{ tsq.type_double() }}) as numerator,
        cast(denominator as {{ tsq.type_double() }}) as denominator,
        cast(sample_size as bigint) as sample_size
    from {{ ref(model) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
