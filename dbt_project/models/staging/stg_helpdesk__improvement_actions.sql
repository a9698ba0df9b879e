with latest as (
    {{ latest_row_per_key(source('raw', 'improvement_actions'), ['action_id']) }}
)

select
    {{ contract_columns('improvement_actions') }},
    _source_file,
    _source_row,
    _load_id
from latest
