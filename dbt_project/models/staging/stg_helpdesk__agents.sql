with latest as (
    {{ latest_row_per_key(source('raw', 'agents'), ['agent_id']) }}
)

select
    agent_id,
    name as agent_name,
    team_id,
    try_cast(tier as integer) as tier,
    skills,
    lower(active) in ('true', '1', 'yes', 't', 'y') as is_active,
    try_cast(hired_at as date) as hired_at
from latest
