select
    catalog.indicator_id,
    catalog.dimension_id,
    catalog.subdimension_id,
    catalog.name_zh,
    catalog.name_en,
    catalog.definition,
    catalog.unit,
    catalog.direction,
    catalog.numerator as numerator_definition,
    catalog.denominator as denominator_definition,
    weights.weight,
    catalog.target,
    catalog.floor,
    catalog.min_sample,
    catalog.source_fields
from {{ ref('seed_indicator_catalog') }} as catalog
left join {{ ref('scoring_weights') }} as weights
    on weights.level = 'indicator' and weights.node_id = catalog.indicator_id
