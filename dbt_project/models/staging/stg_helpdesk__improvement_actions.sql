with latest as (
    {{ latest_row_per_key(source('raw', 'improvement_actions'), ['action_id']) }}
)

select
    action_id,
    team_id,
    lower(kind) as kind,
    title,
    target_indicator_id,
    {{ parse_utc_timestamp('opened_at') }} as opened_at,
    {{ parse_utc_timestamp('due_at') }} as due_at,
    {{ parse_utc_timestamp('closed_at') }} as closed_at,
    _source_file,
    _source_row,
    _load_id
from latest
