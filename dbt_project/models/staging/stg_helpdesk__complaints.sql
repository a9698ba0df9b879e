with latest as (
    {{ latest_row_per_key(source('raw', 'complaints'), ['complaint_id']) }}
)

select
    {{ contract_columns('complaints') }},
    _source_file,
    _source_row,
    _load_id
from latest
