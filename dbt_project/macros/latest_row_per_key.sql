{#- A file exported again (a new load) restates its rows: for each key the row of the
    latest load wins, so accepted data is never counted twice. -#}
{% macro latest_row_per_key(relation, key_columns) -%}
select *
from (
    select
        loaded.*,
        row_number() over (
            partition by {{ key_columns | join(', ') }}
            order by _loaded_at desc, _source_row desc
        ) as _version_rank
    from {{ relation }} as loaded
) as ranked
where _version_rank = 1
{%- endmacro %}
