{#- What each adapter assumed per load (time zone and where it came from, holiday calendar,
    working hours, mapping file): every load keeps its own rows, so a run can show the
    assumptions of the loads it read; is_current marks the latest statement per source
    and assumption. -#}
select
    source,
    assumption,
    value,
    origin,
    _load_id as load_id,
    _loaded_at as loaded_at,
    _source_file as source_file,
    row_number() over (
        partition by source, assumption
        order by _loaded_at desc, _source_row desc
    ) = 1 as is_current
from {{ source('raw', 'source_assumptions') }}
