with latest as (
    {{ latest_row_per_key(source('raw', 'mystery_shops'), ['test_id']) }}
)

select
    test_id,
    team_id,
    agent_id,
    lower(channel) as channel,
    {{ parse_utc_timestamp('tested_at') }} as tested_at,
    try_cast(response_minutes as double) as response_minutes,
    try_cast(technical_accuracy as double) as technical_accuracy,
    try_cast(communication as double) as communication,
    try_cast(overall as double) as overall,
    _source_file,
    _source_row,
    _load_id
from latest
