{#- The two engine-specific pieces of int_touched_tickets' fingerprint
    (macros/touched_tickets.sql). row_lineage_hash(entity): a hash of one staging row's lineage; order_free_checksum(h):
    an aggregate of those hashes that does not depend on the rows' order. DuckDB: its
    64-bit hash() summed as HUGEINT (what orchestration/transform/incremental.py does for
    raw; measured 0.07 s against 1.6 s for the md5 spelling at 50,000 tickets); elsewhere:
    md5 of the lineage text, and md5 of the sorted md5s (dbt's cross-database hash,
    concat and listagg); Spark: its 64-bit xxhash64 summed as a DECIMAL(38,0) (dbt-spark's
    listagg ignores an order, so the default spelling would depend on the rows' order). -#}
{% macro row_lineage_hash(entity) -%}
    {{ return(adapter.dispatch('row_lineage_hash', 'tsq')(entity)) }}
{%- endmacro %}
{% macro duckdb__row_lineage_hash(entity) -%}
    hash('{{ entity }}', _load_id, _source_file, _source_row)
{%- endmacro %}
{% macro default__row_lineage_hash(entity) -%}
    {{ dbt.hash(dbt.concat([
        "'" ~ entity ~ "'", "'|'", '_load_id', "'|'", '_source_file', "'|'",
        'cast(_source_row as ' ~ dbt.type_string() ~ ')'
    ])) }}
{%- endmacro %}

{% macro spark__row_lineage_hash(entity) -%}
    xxhash64('{{ entity }}', _load_id, _source_file, _source_row)
{%- endmacro %}

{% macro order_free_checksum(row_hash) -%}
    {{ return(adapter.dispatch('order_free_checksum', 'tsq')(row_hash)) }}
{%- endmacro %}
{% macro duckdb__order_free_checksum(row_hash) -%}
    cast(sum(cast({{ row_hash }} as hugeint)) as {{ dbt.type_string() }})
{%- endmacro %}
{% macro default__order_free_checksum(row_hash) -%}
    {{ dbt.hash(dbt.listagg(row_hash, "','", 'order by ' ~ row_hash)) }}
{%- endmacro %}
{% macro spark__order_free_checksum(row_hash) -%}
    cast(sum(cast({{ row_hash }} as decimal(38, 0))) as {{ dbt.type_string() }})
{%- endmacro %}

{#- unit_row_hash(alias): a hash of a whole row of the relation or subquery named alias
    (the only relation of its FROM), every column but the as-of readings (a column named
    as_of_at or ending in _as_of: the data window's instant and ages at it, which change
    for every row each day and which no indicator aggregates; tests/test_dbt_project_shape
    checks that none does), for the period fingerprints of macros/by_period.sql. DuckDB
    hashes the columns together; PostgreSQL the md5 of the row as JSON without them.
    Spark builds those models as tables and never asks. -#}
{% macro unit_row_hash(alias) -%}
    {{ return(adapter.dispatch('unit_row_hash', 'tsq')(alias)) }}
{%- endmacro %}
{% macro as_of_reading_pattern() -%}'(^as_of_at$|_as_of$)'{%- endmacro %}
{% macro duckdb__unit_row_hash(alias) -%}
    hash(*columns(lambda name: not regexp_matches(name, {{ tsq.as_of_reading_pattern() }})))
{%- endmacro %}
{% macro default__unit_row_hash(alias) -%}
    md5(cast((
        select jsonb_object_agg(field.key, field.value)
        from jsonb_each(to_jsonb({{ alias }})) as field
        where field.key !~ {{ tsq.as_of_reading_pattern() }}
    ) as {{ dbt.type_string() }}))
{%- endmacro %}
