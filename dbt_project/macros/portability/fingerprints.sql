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

{#- unit_row_hash(alias): a hash of a whole row (every column) of the relation or subquery
    named alias, for indicator_rollup's period fingerprints (an order_free_checksum of
    them). DuckDB hashes the row as a struct; PostgreSQL its text form. Spark builds the
    roll-ups as tables and never asks. -#}
{% macro unit_row_hash(alias) -%}
    {{ return(adapter.dispatch('unit_row_hash', 'tsq')(alias)) }}
{%- endmacro %}
{% macro duckdb__unit_row_hash(alias) -%}
    hash({{ alias }})
{%- endmacro %}
{% macro default__unit_row_hash(alias) -%}
    md5(cast({{ alias }} as {{ dbt.type_string() }}))
{%- endmacro %}
