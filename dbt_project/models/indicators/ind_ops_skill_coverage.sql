{#- OPS1 人员技能结构合理性: tickets created in the period whose category is held as a
    skill by at least two active agents of the ticket's team / tickets created in the
    period. Per ticket, so categories weigh by their volume and the organisation figure is
    the volume-weighted share over teams. Skill depth is a team property: no agent scope. -#}
{#- the columns the rollup reads: the anchor, the unit's flag and every scope column, with
    agent_id emptied (listed, not `* replace`: ANSI, and a unit test's fixture has no
    catalogue to list columns from) -#}
{%- set columns = ['created_at', 'category_covered'] -%}
{%- for scope_column in var('tsq_scopes').values() -%}
    {%- if scope_column != 'agent_id' and not scope_column.startswith("'") and scope_column not in columns -%}
        {%- do columns.append(scope_column) -%}
    {%- endif -%}
{%- endfor -%}
{%- set tickets -%}
(select {{ columns | join(', ') }}, cast(null as {{ dbt.type_string() }}) as agent_id
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
