{#- latest_row_of_keys(relation, keys, key_columns): the latest row (by _loaded_at, then
    _source_row) of each key of `relation` that `keys` (a CTE or relation holding
    key_columns) lists; an incremental base model's new rows (held_back.sql). DuckDB's
    SEMI JOIN and QUALIFY; elsewhere EXISTS and the ranking in a subquery (its extra
    column `_tsq_recency` is never selected by the caller, which lists its columns). -#}
{% macro latest_row_of_keys(relation, keys, key_columns) -%}
    {{ return(adapter.dispatch('latest_row_of_keys', 'tsq')(relation, keys, key_columns)) }}
{%- endmacro %}
{% macro duckdb__latest_row_of_keys(relation, keys, key_columns) -%}
    select loaded.*
    from {{ relation }} as loaded
    semi join {{ keys }} using ({{ key_columns | join(', ') }})
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by _loaded_at desc, _source_row desc
    ) = 1
{%- endmacro %}
{% macro default__latest_row_of_keys(relation, keys, key_columns) -%}
    select *
    from (
        select
            loaded.*,
            row_number() over (
                partition by {%- for key in key_columns %} loaded.{{ key }}{{ ',' if not loop.last }}{% endfor %}
                order by loaded._loaded_at desc, loaded._source_row desc
            ) as _tsq_recency
        from {{ relation }} as loaded
        where exists (
            select 1 from {{ keys }} as keys_
            where {% for key in key_columns %}keys_.{{ key }} = loaded.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
        )
    ) as ranked
    where _tsq_recency = 1
{%- endmacro %}

{#- incremental_materialization(): what an incremental base model is built as. dbt-spark
    has no delete+insert (its merge needs Delta, Iceberg or Hudi tables, and the raw
    tables here are plain Parquet): on Spark the models are tables, rebuilt whole each
    run, and is_incremental() is then false, so the full build's SQL runs. -#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization', 'tsq')()) }}
{%- endmacro %}
{% macro default__incremental_materialization() -%}{{ return('incremental') }}{%- endmacro %}
{% macro spark__incremental_materialization() -%}{{ return('table') }}{%- endmacro %}
