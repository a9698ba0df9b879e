{#- json_valid(text): whether the text is valid JSON. PostgreSQL 15 has no test (16's
    IS JSON is not in 15): default__ calls tsq_json_valid, made by
    portability_prerequisites. -#}
{% macro json_valid(expression) -%}
    {{ return(adapter.dispatch('json_valid', 'tsq')(expression)) }}
{%- endmacro %}
{% macro duckdb__json_valid(expression) -%}json_valid({{ expression }}){%- endmacro %}
{% macro default__json_valid(expression) -%}
    {{ target.schema }}.tsq_json_valid({{ expression }})
{%- endmacro %}

{#- json_text(text, key): the top-level member `key` of a JSON object held as text, as text
    (NULL when absent). Read it only where json_valid holds. -#}
{% macro json_text(expression, key) -%}
    {{ return(adapter.dispatch('json_text', 'tsq')(expression, key)) }}
{%- endmacro %}
{% macro duckdb__json_text(expression, key) -%}{{ expression }}::json ->> '{{ key }}'{%- endmacro %}
{% macro default__json_text(expression, key) -%}
    (cast({{ expression }} as json) ->> '{{ key }}')
{%- endmacro %}

{#- Spark: try_parse_json gives NULL for text that is not JSON. -#}
{% macro spark__json_valid(expression) -%}
    coalesce(try_parse_json({{ expression }}) is not null, false)
{%- endmacro %}
{% macro spark__json_text(expression, key) -%}
    get_json_object({{ expression }}, '$.{{ key }}')
{%- endmacro %}
