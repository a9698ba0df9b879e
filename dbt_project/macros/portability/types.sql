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

{#- double_literals(expression): the SQL expression with its decimal number literals
    (1.0, 0.5) read as doubles. An indicator's value is an aggregate written once, as
    `avg(case when … then 1.0 else 0.0 end)`: DuckDB averages those literals (DECIMALs)
    into a double; Spark keeps a DECIMAL four places longer than its input (avg of
    DECIMAL(2,1) is DECIMAL(6,5): 1/3 is 0.33333). spark__ suffixes each such literal
    with D, Spark's double literal; elsewhere the text is unchanged. Only number
    literals outside quotes are touched. -#}
{% macro double_literals(expression) -%}
    {{ return(adapter.dispatch('double_literals', 'tsq')(expression)) }}
{%- endmacro %}
{% macro default__double_literals(expression) -%}{{ return(expression) }}{%- endmacro %}
{% macro spark__double_literals(expression) -%}
    {%- set parts = (expression | string).split("'") -%}
    {%- set rewritten = [] -%}
    {%- for part in parts -%}
        {#- even parts lie outside string literals -#}
        {%- do rewritten.append(modules.re.sub('(?<![\\w.])(\\d+\\.\\d+)(?![\\w.])', '\\1D', part) if loop.index0 is even else part) -%}
    {%- endfor -%}
    {{ return(rewritten | join("'")) }}
{%- endmacro %}
