{#- SQL run once at the start of every dbt invocation (on-run-start): the helper functions
    default__ macros call. Nothing on DuckDB (an empty hook is skipped). -#}
{% macro portability_prerequisites() -%}
    {{ return(adapter.dispatch('portability_prerequisites', 'tsq')()) }}
{%- endmacro %}
{% macro duckdb__portability_prerequisites() -%}{%- endmacro %}
{% macro default__portability_prerequisites() -%}
    {%- for name, pg_type in tsq.cast_or_null_types().items() %}
    create or replace function {{ target.schema }}.tsq_try_cast_{{ name }}(value text)
    returns {{ pg_type }} language plpgsql immutable as $tsq$
    begin
        return cast(value as {{ pg_type }});
    exception when others then
        return null;
    end
    $tsq$;
    {%- endfor %}
    create or replace function {{ target.schema }}.tsq_round_double(value double precision, digits integer)
    returns double precision language sql immutable as $tsq$
        select sign(value) * floor(abs(value) * power(cast(10 as double precision), digits) + 0.5)
            / power(cast(10 as double precision), digits)
    $tsq$;
    create or replace function {{ target.schema }}.tsq_json_valid(value text)
    returns boolean language plpgsql immutable as $tsq$
    begin
        perform cast(value as json);
        return value is not null;
    exception when others then
        return false;
    end
    $tsq$;
{%- endmacro %}

{#- Spark has try_cast, JSON parsing and the rounding arithmetic built in: nothing to make. -#}
{% macro spark__portability_prerequisites() -%}{%- endmacro %}
