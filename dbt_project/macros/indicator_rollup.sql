{#- Aggregates per-unit rows into the long indicator shape, once per period grain and
    scope (vars tsq_period_grains and tsq_scopes). Each indicator model states only its
    own value, numerator and denominator; the grains and scopes are decided here, once.

    value        SQL aggregate giving the indicator value
    numerator    SQL aggregate, or none for indicators that are not ratios
    denominator  SQL aggregate, or none
    sample_size  SQL aggregate counting the units behind the value
    stratum      optional column: aggregate within each of its values too (an extra
                 output column `stratum`), for case-mix standardised indicators
-#}
{% macro indicator_rollup(indicator_id, relation, anchor_at, value, numerator=none, denominator=none, sample_size='count(*)', where=none, stratum=none) -%}
{%- set grains = var('tsq_period_grains') -%}
{%- set scopes = var('tsq_scopes') -%}
{%- for grain in grains %}
{%- for scope_type, scope_column in scopes.items() %}
select
    '{{ grain }}' as period_grain,
    {{ period_start(grain, anchor_at) }} as period_start,
    '{{ scope_type }}' as scope_type,
    cast({{ scope_column }} as varchar) as scope_id,
    '{{ indicator_id }}' as indicator_id,
    cast({{ value }} as double) as value,
    cast({{ numerator if numerator is not none else 'null' }} as double) as numerator,
    cast({{ denominator if denominator is not none else 'null' }} as double) as denominator,
    cast({{ sample_size }} as bigint) as sample_size
    {%- if stratum %},
    cast({{ stratum }} as varchar) as stratum
    {%- endif %}
from {{ relation }}
where {{ anchor_at }} is not null
  and {{ scope_column }} is not null
  {%- if where %} and ({{ where }}){% endif %}
  {%- if stratum %} and {{ stratum }} is not null{% endif %}
group by 1, 2, 3, 4, 5{% if stratum %}, stratum{% endif %}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- endmacro %}
