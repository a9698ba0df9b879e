{#- star_except(relation, excluded, alias=none): every column of `relation` (a ref or
    source) but the `excluded` ones. DuckDB's `* exclude (...)`; elsewhere the columns are
    listed from the warehouse's catalogue (so the relation must exist when the model runs,
    which dbt's order guarantees for a ref; in a dbt unit test the ref is a fixture with
    no catalogue entry, so a model under a unit test lists its columns instead). -#}
{% macro star_except(relation, excluded, alias=none) -%}
    {{ return(adapter.dispatch('star_except', 'tsq')(relation, excluded, alias)) }}
{%- endmacro %}
{% macro duckdb__star_except(relation, excluded, alias) -%}
    {{ alias ~ '.' if alias }}* exclude ({{ excluded | join(', ') }})
{%- endmacro %}
{% macro default__star_except(relation, excluded, alias) -%}
    {%- if not execute -%}{{ return('*') }}{%- endif -%}
    {%- set kept = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name | lower not in (excluded | map('lower') | list) -%}
            {%- do kept.append((alias ~ '.' if alias else '') ~ adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ kept | join(', ') }}
{%- endmacro %}

{#- array_of(items): an array (DuckDB list) literal of SQL expressions, for unnest. -#}
{% macro array_of(items) -%}
    {{ return(adapter.dispatch('array_of', 'tsq')(items)) }}
{%- endmacro %}
{% macro duckdb__array_of(items) -%}[
        {{ items | join(',\n        ') }}
    ]{%- endmacro %}
{% macro default__array_of(items) -%}array[
        {{ items | join(',\n        ') }}
    ]{%- endmacro %}

{#- day_series(first_day, last_day_exclusive): a one-column relation `day` of the dates
    from first_day up to the day before last_day_exclusive (SQL date expressions). -#}
{% macro day_series(first_day, last_day_exclusive) -%}
    {{ return(adapter.dispatch('day_series', 'tsq')(first_day, last_day_exclusive)) }}
{%- endmacro %}
{% macro duckdb__day_series(first_day, last_day_exclusive) -%}
    (select cast(range as date) as day from range({{ first_day }}, {{ last_day_exclusive }}, interval 1 day))
{%- endmacro %}
{% macro default__day_series(first_day, last_day_exclusive) -%}
    (select cast(series.day as date) as day
     from generate_series(
        cast({{ first_day }} as timestamp),
        cast({{ last_day_exclusive }} as timestamp) - interval '1 day',
        interval '1 day'
     ) as series(day))
{%- endmacro %}
