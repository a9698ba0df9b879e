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

{% macro spark__array_of(items) -%}array(
        {{ items | join(',\n        ') }}
    ){%- endmacro %}
{#- Spark: sequence() exploded; an empty range is an empty array (sequence itself refuses
    a stop before its start). -#}
{% macro spark__day_series(first_day, last_day_exclusive) -%}
    (select explode(case when cast({{ first_day }} as date) < cast({{ last_day_exclusive }} as date)
        then sequence(cast({{ first_day }} as date), date_sub(cast({{ last_day_exclusive }} as date), 1), interval 1 day)
        else cast(array() as array<date>) end) as day)
{%- endmacro %}

{#- series(relation, first, last, step, column, type): one row per row of `relation` (a CTE
    of one row) and per value from `first` to `last` inclusive by `step` (expressions over
    the relation's columns), the value cast to `type` as `column`. -#}
{% macro series(relation, first, last, step, column, type) -%}
    {{ return(adapter.dispatch('series', 'tsq')(relation, first, last, step, column, type)) }}
{%- endmacro %}
{% macro default__series(relation, first, last, step, column, type) -%}
    select cast(generate_series as {{ type }}) as {{ column }}
    from {{ relation }}, generate_series({{ first }}, {{ last }}, {{ step }})
{%- endmacro %}
{% macro spark__series(relation, first, last, step, column, type) -%}
    select cast(_tsq_series_value as {{ type }}) as {{ column }}
    from {{ relation }}
    lateral view explode(sequence({{ first }}, {{ last }}, {{ step }})) _tsq_series as _tsq_series_value
{%- endmacro %}

{#- cte_materialization(hint): DuckDB's and PostgreSQL's CTE hint (`materialized`, `not
    materialized`), written between `as` and the CTE's bracket; Spark has no such hint (its
    optimiser decides) and refuses the word: nothing there. -#}
{% macro cte_materialization(hint) -%}
    {{ return(adapter.dispatch('cte_materialization', 'tsq')(hint)) }}
{%- endmacro %}
{% macro default__cte_materialization(hint) -%}{{ hint }} {% endmacro %}
{% macro spark__cte_materialization(hint) -%}{%- endmacro %}

{#- cross_join_unnest(array, alias, column): a join giving each row one row per element of
    `array` (an expression over the rows before it), as alias.column. Spark's generator
    in FROM must be LATERAL to see the columns before it. -#}
{% macro cross_join_unnest(array, alias, column) -%}
    {{ return(adapter.dispatch('cross_join_unnest', 'tsq')(array, alias, column)) }}
{%- endmacro %}
{% macro default__cross_join_unnest(array, alias, column) -%}
    cross join unnest({{ array }}) as {{ alias }}({{ column }})
{%- endmacro %}
{% macro spark__cross_join_unnest(array, alias, column) -%}
    , lateral explode({{ array }}) as {{ alias }}({{ column }})
{%- endmacro %}

{#- unnest_rows(array, alias, column): the elements of `array` as a relation, for FROM. -#}
{% macro unnest_rows(array, alias, column) -%}
    {{ return(adapter.dispatch('unnest_rows', 'tsq')(array, alias, column)) }}
{%- endmacro %}
{% macro default__unnest_rows(array, alias, column) -%}
    unnest({{ array }}) as {{ alias }}({{ column }})
{%- endmacro %}
{% macro spark__unnest_rows(array, alias, column) -%}
    explode({{ array }}) as {{ alias }}({{ column }})
{%- endmacro %}

{#- select_unnest_pairs(first, second, first_name, second_name): a whole SELECT (no FROM
    of its own) giving one row per position of two lists of SQL expressions of the same
    length. Spark allows one generator per select and no EXISTS inside a generator's
    arguments: there the two arrays are made in a subquery's projection, then zipped and
    inlined. -#}
{% macro select_unnest_pairs(first, second, first_name, second_name) -%}
    {{ return(adapter.dispatch('select_unnest_pairs', 'tsq')(first, second, first_name, second_name)) }}
{%- endmacro %}
{% macro default__select_unnest_pairs(first, second, first_name, second_name) -%}
select
    unnest({{ tsq.array_of(first) }}) as {{ first_name }},
    unnest({{ tsq.array_of(second) }}) as {{ second_name }}
{%- endmacro %}
{% macro spark__select_unnest_pairs(first, second, first_name, second_name) -%}
select inline(arrays_zip(_tsq_first, _tsq_second)) as ({{ first_name }}, {{ second_name }})
from (
    select {{ tsq.array_of(first) }} as _tsq_first, {{ tsq.array_of(second) }} as _tsq_second
) as _tsq_pairs
{%- endmacro %}
