{#- OPS3 知识库覆盖率: tickets resolved in the period linked to at least one knowledge-base
    article (any kb_links row: used, created or updated) / tickets resolved in the period. -#}
with resolved as (
    -- a join to the linked tickets, not EXISTS in the select list: Spark 4.3's planner
    -- fails on that (key not found) when the tickets are a union (dbt's unit tests)
    select
        tickets.*,
        linked.ticket_id is not null as has_kb_link
    from {{ ref('fct_tickets') }} as tickets
    left join (
        select distinct ticket_id from {{ ref('stg_helpdesk__kb_links') }}
    ) as linked
        on linked.ticket_id = tickets.ticket_id
    where tickets.resolved_at is not null
)

{{ indicator_rollup(
    indicator_id='ops_kb_link_rate',
    relation='resolved',
    anchor_at='resolved_at',
    value='avg(case when has_kb_link then 1.0 else 0.0 end)',
    numerator='sum(case when has_kb_link then 1 else 0 end)',
    denominator='count(*)',
) }}
