{#- safe_cast(expression, type): the value as `type`, or NULL when the text cannot be read
    as one (raw is text; a bad value is caught by the raw suites, not by a failing build).
    type is one of 'integer', 'double', 'date', 'timestamptz'.

    Not dbt.safe_cast: on PostgreSQL it is a plain CAST, which stops the build at the first
    unreadable value. PostgreSQL 15 has no TRY_CAST, so default__ calls tsq_try_cast_<type>,
    plpgsql functions made once per run by portability_prerequisites (prerequisites.sql, on-run-start), which
    return NULL where the cast raises. -#}
{% macro safe_cast(expression, type) -%}
    {{ return(adapter.dispatch('safe_cast', 'tsq')(expression, type)) }}
{%- endmacro %}
{% macro duckdb__safe_cast(expression, type) -%}
    try_cast({{ expression }} as {{ tsq.type_double() if type == 'double' else type }})
{%- endmacro %}
{% macro default__safe_cast(expression, type) -%}
    {{ target.schema }}.tsq_try_cast_{{ type }}(cast({{ expression }} as text))
{%- endmacro %}

{#- The types safe_cast knows on PostgreSQL: name -> the PostgreSQL type it casts to. -#}
{% macro safe_cast_types() -%}
    {{ return({'integer': 'integer', 'double': 'double precision', 'date': 'date',
               'timestamptz': 'timestamp with time zone'}) }}
{%- endmacro %}
