with latest as (
    {{ latest_row_per_key(source('raw', 'complaints'), ['complaint_id']) }}
)

select
    complaint_id,
    ticket_id,
    {{ parse_utc_timestamp('received_at') }} as received_at,
    lower(category) as category,
    {{ parse_utc_timestamp('resolved_at') }} as resolved_at,
    description,
    _source_file,
    _source_row,
    _load_id
from latest
