{#- arg_max / arg_min(value, ordering, where=None): `value` of the row with the largest /
    smallest `ordering` among the group's rows where both are not NULL (and `where` holds),
    as DuckDB's arg_max / arg_min. PostgreSQL has neither: default__ takes the first element
    of the values ordered by `ordering` (then by the value itself, so a tie gives the same
    answer on every run; DuckDB's choice among tied rows is not specified either). -#}
{% macro arg_max(value, ordering, where=none) -%}
    {{ return(adapter.dispatch('arg_max', 'tsq')(value, ordering, where, 'max')) }}
{%- endmacro %}
{% macro arg_min(value, ordering, where=none) -%}
    {{ return(adapter.dispatch('arg_max', 'tsq')(value, ordering, where, 'min')) }}
{%- endmacro %}
{% macro duckdb__arg_max(value, ordering, where, direction) -%}
    arg_{{ direction }}({{ value }}, {{ ordering }}){% if where is not none %} filter (where {{ where }}){% endif %}
{%- endmacro %}
{% macro default__arg_max(value, ordering, where, direction) -%}
    {%- set order = 'desc' if direction == 'max' else 'asc' -%}
    (array_agg({{ value }} order by {{ ordering }} {{ order }}, {{ value }} {{ order }})
        filter (where {{ value }} is not null and {{ ordering }} is not null
        {%- if where is not none %} and ({{ where }}){% endif %}))[1]
{%- endmacro %}

{#- median(expression): the interpolated median (the mean of the two middle values of an
    even count), as DuckDB's median of a number; ANSI's ordered-set aggregate elsewhere. -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'tsq')(expression)) }}
{%- endmacro %}
{% macro duckdb__median(expression) -%}median({{ expression }}){%- endmacro %}
{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{#- round_double(expression, digits): a double rounded to `digits` decimals, still a double,
    as DuckDB rounds one: the value times 10^digits rounded half away from zero, divided
    by 10^digits, all in binary floating point (so 88.50365, stored as 88.503649999…, is
    88.5036). PostgreSQL rounds only numeric to a number of digits, and through numeric
    (15 significant digits) it would give 88.5037; its round(double) rounds half to even.
    default__ calls tsq_round_double (portability_prerequisites), which does DuckDB's
    arithmetic. -#}
{% macro round_double(expression, digits) -%}
    {{ return(adapter.dispatch('round_double', 'tsq')(expression, digits)) }}
{%- endmacro %}
{% macro duckdb__round_double(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}
{% macro default__round_double(expression, digits) -%}
    {{ target.schema }}.tsq_round_double({{ expression }}, {{ digits }})
{%- endmacro %}

{#- first_non_null(value, window): the first non-NULL `value` of the window frame, in the
    frame's order (`window` is the text inside OVER (...)). PostgreSQL has no IGNORE NULLS:
    default__ takes the first element of the frame's non-NULL values, gathered in order. -#}
{% macro first_non_null(value, window) -%}
    {{ return(adapter.dispatch('first_non_null', 'tsq')(value, window)) }}
{%- endmacro %}
{% macro duckdb__first_non_null(value, window) -%}
    first_value({{ value }} ignore nulls) over (
            {{ window }}
        )
{%- endmacro %}
{% macro default__first_non_null(value, window) -%}
    (array_agg({{ value }}) filter (where {{ value }} is not null) over (
            {{ window }}
        ))[1]
{%- endmacro %}

{#- decimal_quotient(numerator, denominator): the quotient of two DECIMAL expressions as
    DuckDB gives it, a double (DuckDB divides decimals in floating point); PostgreSQL would
    keep an exact numeric, which rounds differently at a half (39.16255 exactly is 39.1626,
    DuckDB's 39.162549999… is 39.1625). -#}
{% macro decimal_quotient(numerator, denominator) -%}
    {{ return(adapter.dispatch('decimal_quotient', 'tsq')(numerator, denominator)) }}
{%- endmacro %}
{% macro duckdb__decimal_quotient(numerator, denominator) -%}
    {{ numerator }}
        / {{ denominator }}
{%- endmacro %}
{% macro default__decimal_quotient(numerator, denominator) -%}
    (cast({{ numerator }} as {{ tsq.type_double() }})
        / cast({{ denominator }} as {{ tsq.type_double() }}))
{%- endmacro %}

{#- Spark: max_by / min_by, with the value itself as a second ordering key (a tie gives the
    largest / smallest value, as default__). -#}
{% macro spark__arg_max(value, ordering, where, direction) -%}
    {{ direction }}_by({{ value }}, struct({{ ordering }}, {{ value }}))
        filter (where {{ value }} is not null and {{ ordering }} is not null
        {%- if where is not none %} and ({{ where }}){% endif %})
{%- endmacro %}
{% macro spark__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}
{#- Spark's round(double) goes through the decimal spelling of the double (88.5037, as
    PostgreSQL's numeric); DuckDB's binary arithmetic instead, as default__ does. -#}
{% macro spark__round_double(expression, digits) -%}
    (sign({{ expression }}) * floor(abs({{ expression }}) * power(cast(10 as double), {{ digits }}) + 0.5)
        / power(cast(10 as double), {{ digits }}))
{%- endmacro %}
{% macro spark__first_non_null(value, window) -%}
    first_value({{ value }}, true) over (
            {{ window }}
        )
{%- endmacro %}

{#- string_agg_ordered(expression, delimiter, order_by): the group's non-NULL values joined
    by delimiter, in the order of order_by. Spark has no ordered string_agg: the values
    are collected beside their ordering key, sorted, and joined. -#}
{% macro string_agg_ordered(expression, delimiter, order_by) -%}
    {{ return(adapter.dispatch('string_agg_ordered', 'tsq')(expression, delimiter, order_by)) }}
{%- endmacro %}
{% macro default__string_agg_ordered(expression, delimiter, order_by) -%}
    string_agg({{ expression }}, {{ delimiter }} order by {{ order_by }})
{%- endmacro %}
{% macro spark__string_agg_ordered(expression, delimiter, order_by) -%}
    array_join(transform(
        array_sort(collect_list(case when ({{ expression }}) is not null
            then named_struct('k', {{ order_by }}, 'v', {{ expression }}) end)),
        item -> item.v), {{ delimiter }})
{%- endmacro %}

{#- weighted_score(weight, score): a DECIMAL(38, 12) weight times a score (at most 100, four
    decimals), exactly. DuckDB keeps the product's 16 decimals; Spark sizes DECIMAL(38,12)
    × DECIMAL(38,4) at 77 digits and, over 38, cuts the scale to 6, so a weighted sum could
    land on the other side of the 4th decimal's half from DuckDB's (4 of 55,605 published
    scores at 200 tickets). spark__ narrows both factors to what they hold (a weight × a
    coverage is at most 1; a score at most 100), and DECIMAL(19,12) × DECIMAL(18,4) is an
    exact DECIMAL(38,16). -#}
{% macro weighted_score(weight, score) -%}
    {{ return(adapter.dispatch('weighted_score', 'tsq')(weight, score)) }}
{%- endmacro %}
{% macro default__weighted_score(weight, score) -%}
    {{ weight }} * cast({{ score }} as decimal(38, 4))
{%- endmacro %}
{% macro spark__weighted_score(weight, score) -%}
    cast({{ weight }} as decimal(19, 12)) * cast({{ score }} as decimal(18, 4))
{%- endmacro %}
