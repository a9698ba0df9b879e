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
    -- one shape for every indicator model, whatever types its aggregates produced
    select
        cast(period_grain as varchar) as period_grain,
        cast(period_start as date) as period_start,
        cast(scope_type as varchar) as scope_type,
        cast(scope_id as varchar) as scope_id,
        cast(indicator_id as varchar) as indicator_id,
        cast(value as double) as value,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        cast(sample_size as bigint) as sample_size
    from {{ ref(model) }}
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
