{#- OPS2 服务流程执行度: checklist items found compliant / items checked, over process
    audits done in the period (all process steps pooled), scoped to the audited team. An
    audit of a single ticket also counts towards that ticket's agent, product, channel,
    priority and tier. -#}
with audits as (
    select
        audits.audit_id,
        audits.audited_at,
        audits.process_step,
        audits.items_checked,
        -- a count above the items checked is a data error: at most all items comply
        least(audits.items_compliant, audits.items_checked) as items_compliant,
        audits.team_id,
        tickets.agent_id,
        tickets.product,
        tickets.channel,
        tickets.priority,
        tickets.complexity_tier
    from {{ ref('stg_helpdesk__process_audits') }} as audits
    left join {{ ref('fct_tickets') }} as tickets on tickets.ticket_id = audits.ticket_id
    where audits.items_checked > 0 and audits.items_compliant >= 0
)

{{ indicator_rollup(
    indicator_id='ops_process_compliance_rate',
    relation='audits',
    anchor_at='audited_at',
    value='sum(items_compliant) * 1.0 / sum(items_checked)',
    numerator='sum(items_compliant)',
    denominator='sum(items_checked)',
    sample_size='sum(items_checked)',
) }}
