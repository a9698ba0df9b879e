{#- The score tree with names: overall -> dimensions -> sub-dimensions -> indicators, each
    node with its parent and configured weight. Names of the upper nodes come from the
    score_nodes seed (the framework's own names); an indicator's from the catalogue, its
    one home. -#}
select
    weights.node_id,
    weights.level,
    weights.parent_id,
    coalesce(nodes.name_zh, catalog.name_zh) as name_zh,
    coalesce(nodes.name_en, catalog.name_en) as name_en,
    cast(weights.weight as {{ tsq.type_double() }}) as weight,
    case weights.level
        when 'overall' then 0 when 'dimension' then 1 when 'subdimension' then 2 else 3
    end as depth
from {{ ref('scoring_weights') }} as weights
left join {{ ref('score_nodes') }} as nodes
    on nodes.node_id = weights.node_id and weights.level <> 'indicator'
left join {{ ref('seed_indicator_catalog') }} as catalog
    on weights.level = 'indicator' and catalog.indicator_id = weights.node_id
