{#- Aggregates per-unit rows into the long indicator shape, once per period grain and
    scope (vars tsq_period_grains and tsq_scopes). Each indicator model states only its
    own value, numerator and denominator; the grains and scopes are decided here, once.

    value        SQL aggregate giving the indicator value
    numerator    SQL aggregate, or none for indicators that are not ratios
    denominator  SQL aggregate, or none
    sample_size  SQL aggregate counting the units behind the value
    stratum      optional column: aggregate within each of its values too (an extra
                 output column `stratum`), for case-mix standardised indicators

    One scan and one GROUPING SETS aggregate serve every grain x scope pair: the anchor is
    converted to reporting local time once per unit, not once per pair (a union of 28
    group-bys re-read the units and re-ran the time-zone conversion 28 times).
-#}
{% macro indicator_rollup(indicator_id, relation, anchor_at, value, numerator=none, denominator=none, sample_size='count(*)', where=none, stratum=none) -%}
{%- set grains = var('tsq_period_grains') -%}
{%- set scopes = var('tsq_scopes') -%}
select
    period_grain,
    period_start,
    scope_type,
    scope_id,
    '{{ indicator_id }}' as indicator_id,
    value,
    numerator,
    denominator,
    sample_size
    {%- if stratum %},
    stratum
    {%- endif %}
from (
    select
        case
            {%- for grain in grains %}
            when grouping(_tsq_period_{{ grain }}) = 0 then '{{ grain }}'
            {%- endfor %}
        end as period_grain,
        coalesce({% for grain in grains %}_tsq_period_{{ grain }}{% if not loop.last %}, {% endif %}{% endfor %}) as period_start,
        case
            {%- for scope_type in scopes %}
            when grouping(_tsq_scope_{{ scope_type }}) = 0 then '{{ scope_type }}'
            {%- endfor %}
        end as scope_type,
        -- only the grouped scope column is non-null in a row; a unit without a value for
        -- the scope (no agent, say) gives a NULL group, dropped below
        coalesce({% for scope_type in scopes %}_tsq_scope_{{ scope_type }}{% if not loop.last %}, {% endif %}{% endfor %}) as scope_id,
        cast({{ value }} as double) as value,
        cast({{ numerator if numerator is not none else 'null' }} as double) as numerator,
        cast({{ denominator if denominator is not none else 'null' }} as double) as denominator,
        cast({{ sample_size }} as bigint) as sample_size
        {%- if stratum %},
        _tsq_stratum as stratum
        {%- endif %}
    from (
        select
            units.*,
            {%- for grain in grains %}
            {{ local_period_start(grain, '_tsq_anchor_local') }} as _tsq_period_{{ grain }},
            {%- endfor %}
            {%- for scope_type, scope_column in scopes.items() %}
            cast({{ scope_column }} as varchar) as _tsq_scope_{{ scope_type }}{% if not loop.last or stratum %},{% endif %}
            {%- endfor %}
            {%- if stratum %}
            cast({{ stratum }} as varchar) as _tsq_stratum
            {%- endif %}
        from (
            select *, {{ reporting_local_time(anchor_at) }} as _tsq_anchor_local
            from {{ relation }}
            where {{ anchor_at }} is not null
              {%- if where %} and ({{ where }}){% endif %}
              {%- if stratum %} and {{ stratum }} is not null{% endif %}
        ) as units
    ) as units
    group by grouping sets (
        {%- for grain in grains %}
        {%- set grain_loop = loop %}
        {%- for scope_type in scopes %}
        (_tsq_period_{{ grain }}, _tsq_scope_{{ scope_type }}{% if stratum %}, _tsq_stratum{% endif %}){% if not (grain_loop.last and loop.last) %},{% endif %}
        {%- endfor %}
        {%- endfor %}
    )
) as rolled_up
where scope_id is not null
{%- endmacro %}
