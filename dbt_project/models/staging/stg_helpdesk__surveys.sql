with latest as (
    {{ latest_row_per_key(source('raw', 'surveys'), ['survey_id']) }}
)

select
    survey_id,
    ticket_id,
    {{ parse_utc_timestamp('sent_at') }} as sent_at,
    {{ parse_utc_timestamp('responded_at') }} as responded_at,
    try_cast(rating as integer) as rating,
    comment,
    _source_file,
    _source_row,
    _load_id
from latest
