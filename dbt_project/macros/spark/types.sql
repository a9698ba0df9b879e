{#- The seeds' column types and the published models' contract types are written once
    for DuckDB and PostgreSQL (YAML is not rendered with project macros): `double
    precision`, an 8-byte float to both, is Spark's `double`; `varchar` without a length,
    text to both, is Spark's `string`. -#}
{% macro spark_type(type) -%}
    {{ return({'double precision': 'double', 'varchar': 'string'}.get(type | lower | trim, type)) }}
{%- endmacro %}

{#- dbt's empty-schema query for an enforced contract (dbt-core's default, unchanged but for
    the types, which go through spark_type): Spark refuses `double precision` and a
    `varchar` without a length. -#}
{% macro spark__get_empty_schema_sql(columns) %}
    {%- set col_err = [] -%}
    select
    {% for i in columns %}
      {%- set col = columns[i] -%}
      {%- if col['data_type'] is not defined -%}
        {%- do col_err.append(col['name']) -%}
      {%- endif -%}
      {% set col_name = adapter.quote(col['name']) if col.get('quote') else col['name'] %}
      {{ cast('null', tsq.spark_type(col['data_type'])) }} as {{ col_name }}{{ ", " if not loop.last }}
    {%- endfor -%}
    {%- if (col_err | length) > 0 -%}
      {{ exceptions.column_type_missing(column_names=col_err) }}
    {%- endif -%}
{% endmacro %}
