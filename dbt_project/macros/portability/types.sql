{#- A 64-bit floating point type. Not dbt.type_float(): that is `float`, which DuckDB reads
    as 4-byte REAL. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'tsq')()) }}
{%- endmacro %}
{% macro duckdb__type_double() -%}double{%- endmacro %}
{% macro default__type_double() -%}double precision{%- endmacro %}

{% macro spark__type_double() -%}double{%- endmacro %}

{#- A text type. DuckDB and PostgreSQL take `varchar` without a length; Spark refuses it
    (its varchar needs one) and calls text `string`. -#}
{% macro type_text() -%}
    {{ return(adapter.dispatch('type_text', 'tsq')()) }}
{%- endmacro %}
{% macro default__type_text() -%}varchar{%- endmacro %}
{% macro spark__type_text() -%}string{%- endmacro %}
