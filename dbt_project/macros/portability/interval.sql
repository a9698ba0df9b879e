{#- interval(amount, unit): a constant interval of `amount` (a number, or a var) `unit`s
    (day, month, second, ...). DuckDB's unquoted `interval 1 month` is not ANSI; ANSI and
    PostgreSQL quote the amount. -#}
{% macro interval(amount, unit) -%}
    {{ return(adapter.dispatch('interval', 'tsq')(amount, unit)) }}
{%- endmacro %}
{% macro duckdb__interval(amount, unit) -%}interval {{ amount }} {{ unit }}{%- endmacro %}
{% macro default__interval(amount, unit) -%}interval '{{ amount }} {{ unit }}'{%- endmacro %}
