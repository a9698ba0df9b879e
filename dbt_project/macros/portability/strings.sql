{#- split_string(expression, delimiter): the array of the parts of a string, to unnest.
    PostgreSQL's string_to_array gives no element for '' where DuckDB's string_split gives
    one empty string: every caller drops blank parts, so both read alike. -#}
{% macro split_string(expression, delimiter) -%}
    {{ return(adapter.dispatch('split_string', 'tsq')(expression, delimiter)) }}
{%- endmacro %}
{% macro duckdb__split_string(expression, delimiter) -%}
    string_split({{ expression }}, {{ delimiter }})
{%- endmacro %}
{% macro default__split_string(expression, delimiter) -%}
    string_to_array({{ expression }}, {{ delimiter }})
{%- endmacro %}

{#- regexp_group(expression, pattern): the first capture group of the pattern's first match,
    NULL without a match. pattern is SQL text (a quoted literal). -#}
{% macro regexp_group(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_group', 'tsq')(expression, pattern)) }}
{%- endmacro %}
{% macro duckdb__regexp_group(expression, pattern) -%}
    regexp_extract({{ expression }}, {{ pattern }}, 1)
{%- endmacro %}
{% macro default__regexp_group(expression, pattern) -%}
    substring({{ expression }} from {{ pattern }})
{%- endmacro %}

{#- contains_text(expression, part): whether the string contains part (SQL text). -#}
{% macro contains_text(expression, part) -%}
    {{ return(adapter.dispatch('contains_text', 'tsq')(expression, part)) }}
{%- endmacro %}
{% macro duckdb__contains_text(expression, part) -%}
    contains({{ expression }}, {{ part }})
{%- endmacro %}
{% macro default__contains_text(expression, part) -%}
    (strpos({{ expression }}, {{ part }}) > 0)
{%- endmacro %}

{#- Spark's split takes a regular expression: the delimiter is quoted as a literal one. -#}
{% macro spark__split_string(expression, delimiter) -%}
    split({{ expression }}, concat('\\Q', {{ delimiter }}, '\\E'))
{%- endmacro %}
{#- Spark's regexp_extract gives '' without a match, as DuckDB's does. -#}
{% macro spark__regexp_group(expression, pattern) -%}
    regexp_extract({{ expression }}, {{ pattern }}, 1)
{%- endmacro %}
{% macro spark__contains_text(expression, part) -%}
    (instr({{ expression }}, {{ part }}) > 0)
{%- endmacro %}

{#- starts_with(expression, prefix): whether the string begins with prefix (SQL text).
    Spark spells it startswith. -#}
{% macro starts_with(expression, prefix) -%}
    {{ return(adapter.dispatch('starts_with', 'tsq')(expression, prefix)) }}
{%- endmacro %}
{% macro default__starts_with(expression, prefix) -%}
    starts_with({{ expression }}, {{ prefix }})
{%- endmacro %}
{% macro spark__starts_with(expression, prefix) -%}
    startswith({{ expression }}, {{ prefix }})
{%- endmacro %}
