{#- The long indicator table: every computed indicator at every period grain and scope,
    with a 95% Wilson interval for rates. One model per indicator feeds it. -#}
{% set indicator_models = [
    'ind_ux_first_response_minutes',
    'ind_ux_first_response_sla_rate',
    'ind_ux_resolution_hours_tiered',
    'ind_ux_resolution_sla_rate',
    'ind_ux_proactive_update_rate',
] %}

with unioned as (
    {% for model in indicator_models %}
    select * from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    unioned.*,
    -- six decimals: more would be false precision for an interval
    case when catalog.unit = 'rate' then round({{ wilson_bound('unioned.numerator', 'unioned.denominator', '-') }}, 6) end
        as ci_low,
    case when catalog.unit = 'rate' then round({{ wilson_bound('unioned.numerator', 'unioned.denominator', '+') }}, 6) end
        as ci_high
from unioned
inner join {{ ref('seed_indicator_catalog') }} as catalog on catalog.indicator_id = unioned.indicator_id
