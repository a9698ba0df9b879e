{#- Models built by period (issue 15): indicator_rollup's roll-ups and the score models.

    Every row carries its period's fingerprint (period_fingerprint): a checksum of what the
    period's rows are computed from. An incremental build computes only the periods whose
    fingerprint is not stored (periods_to_build) and appends their rows, and also emits
    one marker row per current period (scope_id NULL, which a real row never is) with its
    fingerprint; the post-hooks then drop the stored rows of every period whose
    fingerprint no marker repeats (rebuilt in this run, or with nothing left to compute
    from) and the markers. A period's rows must depend only on what its fingerprint
    covers; then the table equals a full build's (tests/test_incremental.py compares
    every table with a full refresh). Decided in docs/DECISIONLOG.md ("Indicator
    roll-ups and scores by period").

    A fingerprint covers data, not configuration: the catalogue and weight seeds, the
    vars (scopes, grains, coverage floor, grade bands...) and the models' SQL are not in
    it. `tsq run` rebuilds everything when any of them changed (its build fingerprint,
    orchestration/transform/incremental.py); a hand-run `dbt build` after such a change
    needs --full-refresh, as for the per-ticket models. -#}

{#- Whether this engine builds by period: where it has the incremental materialisation
    (tsq.incremental_materialization(); Spark's is a table, rebuilt whole), unless var
    tsq_by_period is false. -#}
{% macro rollup_by_period() -%}
    {{ return(tsq.incremental_materialization() == 'incremental' and var('tsq_by_period', true)) }}
{%- endmacro %}

{#- The materialisation of a model built by period (nothing where it is not). -#}
{% macro by_period_config() -%}
    {%- if rollup_by_period() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        post_hook=["{{ delete_superseded_periods() }}", "{{ delete_period_markers() }}"],
    ) }}
    {%- endif -%}
{%- endmacro %}

{#- Whether the model emits its period markers: not in a dbt unit test, where `this` is
    None and the model's rows are compared as they come. -#}
{% macro period_markers_wanted() -%}
    {{ return(rollup_by_period() and this is not none) }}
{%- endmacro %}

{#- Whether this build computes only the periods whose fingerprint changed. -#}
{% macro by_period_incremental() -%}
    {{ return(period_markers_wanted() and is_incremental()) }}
{%- endmacro %}

{#- The fingerprint of a group of rows, an aggregate over their hashes (row_hash, one per
    row: tsq.unit_row_hash): an order-free checksum of the hashes and the number of rows
    (a sum of hashes alone would not see a row whose hash is 0 come or go). -#}
{% macro rows_fingerprint(row_hash) -%}
    cast({{ tsq.order_free_checksum(row_hash) }} as {{ tsq.type_text() }})
        || ':' || cast(count(*) as {{ tsq.type_text() }})
{%- endmacro %}

{#- The periods to compute, from a relation of (period_grain, period_start,
    period_fingerprint) of every current period: all of them in a full build; in an
    incremental one those whose fingerprint no stored row carries. -#}
{% macro periods_to_build(fingerprints) -%}
    select period_grain, period_start, period_fingerprint
    from {{ fingerprints }}
    {%- if by_period_incremental() %}
    where not exists (
        select 1 from {{ this }} as stored
        where stored.period_grain = {{ fingerprints }}.period_grain
          and stored.period_start = {{ fingerprints }}.period_start
          and stored.period_fingerprint = {{ fingerprints }}.period_fingerprint
    )
    {%- endif %}
{%- endmacro %}

{#- The marker scopes of a model that builds its rows from a list of scopes (the score
    models): one per current period in `periods` (period_grain, period_start), appended
    to the scopes with `union all` when the model emits markers, nothing otherwise. -#}
{% macro period_marker_scopes(periods) -%}
    {%- if period_markers_wanted() %}
    union all
    -- a marker per current period, dropped after the build
    select
        period_grain,
        period_start,
        cast(null as {{ tsq.type_text() }}) as scope_type,
        cast(null as {{ tsq.type_text() }}) as scope_id
    from {{ periods }}
    {%- endif %}
{%- endmacro %}

{#- A marker row (scope_id NULL), for a model that filters or joins rows it must keep:
    `where <its filter> or {{ period_marker() }}`. -#}
{% macro period_marker(relation_alias=none) -%}
    {{ (relation_alias ~ '.') if relation_alias else '' }}scope_id is null
{%- endmacro %}

{#- The post-hooks. The first drops the stored rows of every period no marker vouches for
    with its fingerprint: the periods rebuilt in this run (their old rows) and those with
    nothing left to compute from. The rows this run appended carry the current
    fingerprints and stay. -#}
{% macro delete_superseded_periods() -%}
    delete from {{ this }}
    where scope_id is not null
      and (
        -- a row without a fingerprint (built as a table, tsq_by_period false) vouches for
        -- nothing, and NOT IN would keep it
        period_fingerprint is null
        or (period_grain, period_start, period_fingerprint) not in (
            -- never NULL: a marker's period and fingerprint are always set
            select period_grain, period_start, period_fingerprint from {{ this }}
            where scope_id is null
        )
    )
{%- endmacro %}

{% macro delete_period_markers() -%}
    delete from {{ this }} where scope_id is null
{%- endmacro %}
