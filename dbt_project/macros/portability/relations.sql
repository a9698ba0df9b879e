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

{#- provided_terms(entity, relation, columns): a whole SELECT giving one row (term,
    provided) for the entity itself (any row at all) and one per column (`entity.column`:
    any value that is not empty or blank), for int_source_coverage.

    DuckDB and PostgreSQL: one EXISTS per term, each stopping at the first row that gives
    it, so a provided column is usually settled by the first rows read.
    Spark runs each EXISTS as a job of its own (128 jobs for the 13 raw tables, 37 s of a
    200-ticket build on a local session): there one aggregate per table reads it once
    for every term (`bool_or`), at the price of reading every cell, unmeasured on a
    cluster's large tables (docs/scale-out.md). Spark allows one generator per select, so
    the two arrays are built in an aggregating subquery, then zipped and inlined. -#}
{% macro provided_terms(entity, relation, columns) -%}
    {%- set terms = ["'" ~ entity ~ "'"] -%}
    {%- for column in columns -%}{%- do terms.append("'" ~ entity ~ '.' ~ column.name ~ "'") -%}{%- endfor -%}
    {{ return(adapter.dispatch('provided_terms', 'tsq')(terms, relation, columns)) }}
{%- endmacro %}
{#- terms: the entity's term, then one per column, in the order of `columns` -#}
{% macro default__provided_terms(terms, relation, columns) -%}
    {%- set provided = ['exists (select 1 from ' ~ relation ~ ')'] -%}
    {%- for column in columns -%}
        {%- do provided.append('exists (\n            select 1 from ' ~ relation ~ '\n            where trim(cast('
            ~ adapter.quote(column.name) ~ ' as ' ~ tsq.type_text() ~ ')) <> \'\'\n        )') -%}
    {%- endfor -%}
select
    unnest({{ tsq.array_of(terms) }}) as term,
    unnest({{ tsq.array_of(provided) }}) as provided
{%- endmacro %}
{% macro spark__provided_terms(terms, relation, columns) -%}
    {%- set provided = ['count(*) > 0'] -%}
    {%- for column in columns -%}
        {%- do provided.append('coalesce(bool_or(trim(cast(' ~ adapter.quote(column.name) ~ ' as '
            ~ tsq.type_text() ~ ')) <> \'\'), false)') -%}
    {%- endfor -%}
select inline(arrays_zip(_tsq_terms, _tsq_provided)) as (term, provided)
from (
    select {{ tsq.array_of(terms) }} as _tsq_terms, {{ tsq.array_of(provided) }} as _tsq_provided
    from {{ relation }}
) as _tsq_pairs
{%- endmacro %}
