{#- Rolls child scores up to their parents with the weights of scoring_weights.
    Each scored child counts with weight × its own coverage, so a child measured on a
    sliver of its indicators cannot take its siblings' weight (a sub-dimension scored on
    one indicator of weight 0.05 weighs 0.05 of its share, not all of it). A child without
    a score drops out and the others are renormalised; the parent's coverage is the
    weighted mean of its children's coverage (the share of the parent's weight that was
    actually scored). An indicator child has coverage 1 when scored, 0 when not.
    Sums run in DECIMAL: exact, so the result does not depend on the order in which a
    parallel aggregation adds the rows, and a rerun publishes the same digits. -#}
{% macro weighted_rollup(children, child_level, parent_level) -%}
select
    children.period_grain,
    children.period_start,
    children.scope_type,
    children.scope_id,
    '{{ parent_level }}' as level,
    weights.parent_id as node_id,
    {#- the quotient of two exact sums, rounded as DuckDB does it (tsq.decimal_quotient) -#}
    cast({{ tsq.round_double(tsq.decimal_quotient(
        "sum(case when children.score is not null
            then " ~ tsq.weighted_score(effective_weight(), 'children.score') ~ " end)",
        "nullif(sum(case when children.score is not null then " ~ effective_weight() ~ " end), 0)"
    ), 4) }} as {{ tsq.type_double() }}) as score,
    cast({{ tsq.round_double(tsq.decimal_quotient(
        "sum(cast(weights.weight as decimal(18, 6)) * cast(children.coverage as decimal(18, 6)))",
        "sum(cast(weights.weight as decimal(18, 6)))"
    ), 6) }} as {{ tsq.type_double() }}) as coverage,
    sum(children.indicators_scored) as indicators_scored,
    sum(children.indicators_total) as indicators_total
from {{ children }} as children
inner join {{ ref('scoring_weights') }} as weights
    on weights.level = '{{ child_level }}' and weights.node_id = children.node_id
group by 1, 2, 3, 4, 5, 6
{%- endmacro %}


{#- weight × coverage, exact to 12 decimals (wide enough that × a 0-100 score cannot overflow) -#}
{% macro effective_weight() -%}
cast(cast(weights.weight as decimal(18, 6)) * cast(children.coverage as decimal(18, 6)) as decimal(38, 12))
{%- endmacro %}
