{#- UX3 服务态度与耐心: mean QA attitude rubric score (0-100) of the reviews done in the
    period, minus tsq_attitude_complaint_penalty (5) points per attitude complaint per 100
    tickets, both counted in the same period and scope (complaints by receipt, tickets by
    creation; no tickets, no penalty), floored at 0. Only where there are reviews. -#}
{%- set penalty = var('tsq_attitude_complaint_penalty', 5) -%}
with units as (
    select
        reviewed_at as anchor_at,
        team_id, agent_id, product, channel, priority, complexity_tier,
        attitude_score,
        0 as is_ticket,
        0 as is_attitude_complaint
    from {{ ref('int_qa_review_rubrics') }}
    where attitude_score is not null

    union all

    select
        anchor_at,
        team_id, agent_id, product, channel, priority, complexity_tier,
        cast(null as {{ tsq.type_double() }}) as attitude_score,
        case when unit_type = 'ticket' then 1 else 0 end as is_ticket,
        case when unit_type = 'complaint' and complaint_category = 'attitude' then 1 else 0 end
            as is_attitude_complaint
    from {{ ref('int_complaint_exposure') }}
),

rolled as (
    {{ indicator_rollup(
        indicator_id='ux_attitude_score',
        relation='units',
        anchor_at='anchor_at',
        value='greatest(0, avg(attitude_score) - ' ~ penalty ~ ' * coalesce(
            100.0 * sum(is_attitude_complaint) / nullif(sum(is_ticket), 0), 0))',
        sample_size='count(attitude_score)',
    ) }}
)

-- periods and scopes with tickets or complaints but no review have no attitude score
-- (the roll-up's period markers pass: indicator_rollup)
select * from rolled where sample_size > 0 or {{ period_marker() }}
