{#- OPS1 人员技能结构合理性: tickets created in the period whose category is held as a
    skill by at least two active agents of the ticket's team / tickets created in the
    period. Per ticket, so categories weigh by their volume and the organisation figure is
    the volume-weighted share over teams. Skill depth is a team property: no agent scope. -#}
{%- set tickets -%}
(select {{ tsq.star_except(ref('int_ticket_resourcing'), ['agent_id']) }}, cast(null as {{ dbt.type_string() }}) as agent_id
 from {{ ref('int_ticket_resourcing') }}) as tickets
{%- endset -%}
{{ indicator_rollup(
    indicator_id='ops_skill_coverage',
    relation=tickets,
    anchor_at='created_at',
    value='avg(case when category_covered then 1.0 else 0.0 end)',
    numerator='sum(case when category_covered then 1 else 0 end)',
    denominator='count(*)',
) }}
