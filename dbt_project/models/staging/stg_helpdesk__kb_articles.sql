with latest as (
    {{ latest_row_per_key(source('raw', 'kb_articles'), ['article_id']) }}
)

select
    {{ contract_columns('kb_articles', overrides={
        'helpful_votes': 'coalesce(' ~ tsq.cast_or_null('helpful_votes', 'integer') ~ ', 0)',
        'unhelpful_votes': 'coalesce(' ~ tsq.cast_or_null('unhelpful_votes', 'integer') ~ ', 0)',
    }) }},
    _source_file,
    _source_row,
    _load_id
from latest
