{#- A file exported again (a new load) restates its rows: for each key the row of the
    latest load wins, so accepted data is never counted twice.

    While the table holds a single load there is nothing to choose between (a key
    repeated within one load fails the blocking raw suite before dbt runs), so rows pass
    straight through; the ranking window, which sorts every row with its payload (the
    costliest step of a first load at scale; docs/performance.md), then runs over an
    empty input. -#}
{% macro latest_row_per_key(relation, key_columns) -%}
select loaded.*, 1 as _version_rank
from {{ relation }} as loaded
where (select count(distinct _load_id) from {{ relation }}) = 1
union all
select *
from (
    select
        loaded.*,
        row_number() over (
            partition by {{ key_columns | join(', ') }}
            order by _loaded_at desc, _source_row desc
        ) as _version_rank
    from {{ relation }} as loaded
    where (select count(distinct _load_id) from {{ relation }}) > 1
) as ranked
where _version_rank = 1
{%- endmacro %}
