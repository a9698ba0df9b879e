with latest as (
    {{ latest_row_per_key(source('raw', 'ticket_events'), ['event_id']) }}
)

select
    event_id,
    ticket_id,
    {{ parse_utc_timestamp('event_at') }} as event_at,
    lower(event_type) as event_type,
    lower(actor_type) as actor_type,
    agent_id,
    team_id,
    try_cast(tier as integer) as tier,
    lower(from_status) as from_status,
    lower(to_status) as to_status,
    lower(tool) as tool,
    body,
    _source_file,
    _source_row,
    _load_id
from latest
