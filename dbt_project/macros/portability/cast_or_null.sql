{#- cast_or_null(expression, type): the value as `type`, or NULL when the text cannot be read
    as one (raw is text; a bad value is caught by the raw suites, not by a failing build).
    type is one of 'integer', 'double', 'date', 'timestamptz'.

    Not dbt.safe_cast: on PostgreSQL it is a plain CAST, which stops the build at the first
    unreadable value. (Nor named safe_cast: a root-project default__safe_cast would replace
    dbt's own, which dbt's unit tests use to cast their fixtures.) PostgreSQL 15 has no
    TRY_CAST, so default__ calls tsq_try_cast_<type>, plpgsql functions made once per run
    by portability_prerequisites (prerequisites.sql, on-run-start), which return NULL
    where the cast raises. -#}
{% macro cast_or_null(expression, type) -%}
    {{ return(adapter.dispatch('cast_or_null', 'tsq')(expression, type)) }}
{%- endmacro %}
{% macro duckdb__cast_or_null(expression, type) -%}
    try_cast({{ expression }} as {{ tsq.type_double() if type == 'double' else type }})
{%- endmacro %}
{% macro default__cast_or_null(expression, type) -%}
    {{ target.schema }}.tsq_try_cast_{{ type }}(cast({{ expression }} as text))
{%- endmacro %}

{#- The types cast_or_null knows on PostgreSQL: name -> the PostgreSQL type it casts to. -#}
{% macro cast_or_null_types() -%}
    {{ return({'integer': 'integer', 'double': 'double precision', 'date': 'date',
               'timestamptz': 'timestamp with time zone'}) }}
{%- endmacro %}

{#- Spark: try_cast (and dbt-spark's sessions run with ANSI mode off, where a plain cast
    gives NULL too). Its timestamp is the instant, shown in the session's zone (UTC). -#}
{% macro spark__cast_or_null(expression, type) -%}
    try_cast({{ expression }} as {{ {'integer': 'int', 'double': 'double', 'date': 'date', 'timestamptz': 'timestamp'}[type] }})
{%- endmacro %}
