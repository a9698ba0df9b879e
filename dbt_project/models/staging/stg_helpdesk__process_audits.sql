with latest as (
    {{ latest_row_per_key(source('raw', 'process_audits'), ['audit_id']) }}
)

select
    audit_id,
    team_id,
    ticket_id,
    {{ parse_utc_timestamp('audited_at') }} as audited_at,
    lower(process_step) as process_step,
    try_cast(items_checked as integer) as items_checked,
    try_cast(items_compliant as integer) as items_compliant,
    _source_file,
    _source_row,
    _load_id
from latest
