{#- The long indicator table: every computed indicator at every period grain and scope,
    with a 95% Wilson interval for rates. -#}
with unioned as (
    select * from {{ ref('ind_indicator_values_unioned') }}
)

select
    unioned.*,
    -- six decimals: more would be false precision for an interval
    case when catalog.unit = 'rate' then {{ tsq.round_double(wilson_bound('unioned.numerator', 'unioned.denominator', '-'), 6) }} end
        as ci_low,
    case when catalog.unit = 'rate' then {{ tsq.round_double(wilson_bound('unioned.numerator', 'unioned.denominator', '+'), 6) }} end
        as ci_high
from unioned
inner join {{ ref('seed_indicator_catalog') }} as catalog on catalog.indicator_id = unioned.indicator_id
