with latest as (
    {{ latest_row_per_key(source('raw', 'agents'), ['agent_id']) }}
)

select
    {{ contract_columns('agents', aliases={'name': 'agent_name', 'active': 'is_active'}) }}
from latest
