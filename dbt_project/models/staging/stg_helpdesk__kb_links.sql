with latest as (
    {{ latest_row_per_key(source('raw', 'kb_links'), ['ticket_id', 'article_id', 'link_type']) }}
)

select
    ticket_id,
    article_id,
    agent_id,
    {{ parse_utc_timestamp('linked_at') }} as linked_at,
    lower(link_type) as link_type,
    _source_file,
    _source_row,
    _load_id
from latest
