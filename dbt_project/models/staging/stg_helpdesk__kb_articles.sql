with latest as (
    {{ latest_row_per_key(source('raw', 'kb_articles'), ['article_id']) }}
)

select
    article_id,
    title,
    author_agent_id,
    product,
    {{ parse_utc_timestamp('created_at') }} as created_at,
    {{ parse_utc_timestamp('updated_at') }} as updated_at,
    {{ parse_utc_timestamp('last_reviewed_at') }} as last_reviewed_at,
    {{ parse_utc_timestamp('covers_release_at') }} as covers_release_at,
    lower(status) as status,
    coalesce(try_cast(helpful_votes as integer), 0) as helpful_votes,
    coalesce(try_cast(unhelpful_votes as integer), 0) as unhelpful_votes,
    _source_file,
    _source_row,
    _load_id
from latest
