{#- A 64-bit floating point type. Not dbt.type_float(): that is `float`, which DuckDB reads
    as 4-byte REAL. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'tsq')()) }}
{%- endmacro %}
{% macro duckdb__type_double() -%}double{%- endmacro %}
{% macro default__type_double() -%}double precision{%- endmacro %}
