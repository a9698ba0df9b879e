with latest as (
    {{ latest_row_per_key(source('raw', 'process_audits'), ['audit_id']) }}
)

select
    {{ contract_columns('process_audits') }},
    _source_file,
    _source_row,
    _load_id
from latest
