{#- OPS3 知识库覆盖率: tickets resolved in the period linked to at least one knowledge-base
    article (any kb_links row: used, created or updated) / tickets resolved in the period. -#}
with resolved as (
    select
        tickets.*,
        exists (
            select 1 from {{ ref('stg_helpdesk__kb_links') }} as links
            where links.ticket_id = tickets.ticket_id
        ) as has_kb_link
    from {{ ref('fct_tickets') }} as tickets
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
