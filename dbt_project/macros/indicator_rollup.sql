{#- Aggregates per-unit rows into the long indicator shape, once per period grain and
    scope (vars tsq_period_grains and tsq_scopes). Each indicator model states only its
    own value, numerator and denominator; the grains and scopes are decided here, once.

    value        SQL aggregate giving the indicator value
    numerator    SQL aggregate, or none for indicators that are not ratios
    denominator  SQL aggregate, or none
    sample_size  SQL aggregate counting the units behind the value
    stratum      optional column: aggregate within each of its values too (an extra
                 output column `stratum`), for case-mix standardised indicators

    The units are read once (a materialised CTE): the anchor converted to reporting local
    time once, its period start per grain and the scope columns as text beside it. Then
    per grain one GROUPING SETS aggregate serves every scope (a union of 28 group-bys
    re-read the units and re-ran the conversion 28 times; reading the units once per grain
    instead of once in all cost a quarter more). Not one aggregate for all 28 pairs: a
    median keeps every value of every group until the end, and 28 sets at once held 28
    copies of the units (out of memory at 10M).

    By period (macros/by_period.sql): where the engine can delete, the model is
    incremental. A period's fingerprint is an order-free checksum of the hashes of its
    units (every column of each unit row but its as-of readings: tsq.unit_row_hash) and
    their count, so a unit that changes, arrives or leaves changes it; an incremental build aggregates the periods whose fingerprint changed
    and keeps the others' stored rows. Every model's aggregate is per period and scope,
    so a period's rows depend on its own units only. A model that filters or joins the
    roll-up's rows keeps its markers (period_marker()).
-#}
{% macro indicator_rollup(indicator_id, relation, anchor_at, value, numerator=none, denominator=none, sample_size='count(*)', where=none, stratum=none) -%}
{%- set grains = var('tsq_period_grains') -%}
{%- set scopes = var('tsq_scopes') -%}
{%- set by_period = rollup_by_period() -%}
{{ by_period_config() }}
{%- set with_markers = period_markers_wanted() -%}
{%- set incremental_run = by_period_incremental() -%}
{#- wrapped, so a caller may put the call after its own CTEs or inside one -#}
select * from (
with _tsq_units as {{ tsq.cte_materialization('materialized') }}(
    select
        *,
        {%- if by_period %}
        {{ tsq.unit_row_hash('anchored') }} as _tsq_unit_hash,
        {%- endif %}
        {%- for grain in grains %}
        {{ local_period_start(grain, '_tsq_local_anchor') }} as _tsq_period_start_{{ grain }},
        {%- endfor %}
        {%- for scope_type, scope_column in scopes.items() %}
        cast({{ scope_column }} as {{ tsq.type_text() }}) as _tsq_scope_{{ scope_type }}{% if not loop.last or stratum %},{% endif %}
        {%- endfor %}
        {%- if stratum %}
        cast({{ stratum }} as {{ tsq.type_text() }}) as _tsq_stratum
        {%- endif %}
    from (
        select *, {{ reporting_local_time(anchor_at) }} as _tsq_local_anchor
        -- no alias here: some callers pass a subquery that carries its own
        from {{ relation }}
        where {{ anchor_at }} is not null
          {%- if where %} and ({{ where }}){% endif %}
          {%- if stratum %} and {{ stratum }} is not null{% endif %}
    ) as anchored
)
{%- if by_period %},

_tsq_period_fingerprints as (
    {%- for grain in grains %}
    select
        '{{ grain }}' as period_grain,
        _tsq_period_start_{{ grain }} as period_start,
        {{ rows_fingerprint('_tsq_unit_hash') }} as period_fingerprint
    from _tsq_units
    group by _tsq_period_start_{{ grain }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

_tsq_periods_to_build as (
    {{ periods_to_build('_tsq_period_fingerprints') }}
)
{%- endif %}

select
    rolled_up.period_grain,
    rolled_up.period_start,
    rolled_up.scope_type,
    rolled_up.scope_id,
    cast('{{ indicator_id }}' as {{ tsq.type_text() }}) as indicator_id,
    rolled_up.value,
    rolled_up.numerator,
    rolled_up.denominator,
    rolled_up.sample_size
    {%- if stratum %},
    rolled_up.stratum
    {%- endif %},
    {%- if by_period %}
    cast(built.period_fingerprint as {{ tsq.type_text() }}) as period_fingerprint
    {%- else %}
    cast(null as {{ tsq.type_text() }}) as period_fingerprint
    {%- endif %}
from (
    {%- for grain in grains %}
    select
        '{{ grain }}' as period_grain,
        _tsq_period_start_{{ grain }} as period_start,
        case
            {%- for scope_type in scopes %}
            when grouping(_tsq_scope_{{ scope_type }}) = 0 then '{{ scope_type }}'
            {%- endfor %}
        end as scope_type,
        -- only the grouped scope column is non-null in a row; a unit without a value for
        -- the scope (no agent, say) gives a NULL group, dropped below
        coalesce({% for scope_type in scopes %}_tsq_scope_{{ scope_type }}{% if not loop.last %}, {% endif %}{% endfor %}) as scope_id,
        cast({{ tsq.double_literals(value) }} as {{ tsq.type_double() }}) as value,
        cast({{ tsq.double_literals(numerator if numerator is not none else 'null') }} as {{ tsq.type_double() }}) as numerator,
        cast({{ tsq.double_literals(denominator if denominator is not none else 'null') }} as {{ tsq.type_double() }}) as denominator,
        cast({{ sample_size }} as bigint) as sample_size
        {%- if stratum %},
        _tsq_stratum as stratum
        {%- endif %}
    from _tsq_units
    {%- if incremental_run %}
    where _tsq_period_start_{{ grain }} in (
        select period_start from _tsq_periods_to_build where period_grain = '{{ grain }}'
    )
    {%- endif %}
    group by grouping sets (
        {%- for scope_type in scopes %}
        (_tsq_period_start_{{ grain }}, _tsq_scope_{{ scope_type }}{% if stratum %}, _tsq_stratum{% endif %}){% if not loop.last %},{% endif %}
        {%- endfor %}
    )
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
) as rolled_up
{%- if by_period %}
inner join _tsq_periods_to_build as built
    on built.period_grain = rolled_up.period_grain and built.period_start = rolled_up.period_start
{%- endif %}
where rolled_up.scope_id is not null
{%- if with_markers %}

union all

-- one marker per current period (delete_superseded_periods), dropped after the build
select
    period_grain,
    period_start,
    cast(null as {{ tsq.type_text() }}) as scope_type,
    cast(null as {{ tsq.type_text() }}) as scope_id,
    cast('{{ indicator_id }}' as {{ tsq.type_text() }}) as indicator_id,
    cast(null as {{ tsq.type_double() }}) as value,
    cast(null as {{ tsq.type_double() }}) as numerator,
    cast(null as {{ tsq.type_double() }}) as denominator,
    cast(null as bigint) as sample_size
    {%- if stratum %},
    cast(null as {{ tsq.type_text() }}) as stratum
    {%- endif %},
    cast(period_fingerprint as {{ tsq.type_text() }}) as period_fingerprint
from _tsq_period_fingerprints
{%- endif %}
) as _tsq_indicator_rows
{%- endmacro %}
