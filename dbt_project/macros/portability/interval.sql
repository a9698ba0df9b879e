{#- interval(amount, unit): a constant interval of `amount` (a number, or a var) `unit`s
    (day, month, second, ...). DuckDB's unquoted `interval 1 month` is not ANSI; ANSI and
    PostgreSQL quote the amount. -#}
{% macro interval(amount, unit) -%}
    {{ return(adapter.dispatch('interval', 'tsq')(amount, unit)) }}
{%- endmacro %}
{% macro duckdb__interval(amount, unit) -%}interval {{ amount }} {{ unit }}{%- endmacro %}
{% macro default__interval(amount, unit) -%}interval '{{ amount }} {{ unit }}'{%- endmacro %}

{#- Spark: a calendar interval (make_interval), whatever the unit: Spark's ANSI interval
    literals are of two kinds that cannot meet (a CASE choosing `interval 1 day` or
    `interval 1 month` fails), and its calendar interval adds to dates and timestamps and
    steps a sequence alike. -#}
{% macro spark__interval(amount, unit) -%}
    {%- set fields = {'year': 0, 'month': 1, 'week': 2, 'day': 3, 'hour': 4, 'minute': 5, 'second': 6} -%}
    {%- set name = unit | lower -%}
    {%- set position = fields[name if name in fields else name[:-1]] -%}
    make_interval({% for index in range(7) %}{{ amount if index == position else 0 }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}
