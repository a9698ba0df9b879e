{#- One row per mystery-shopper test with the scope columns the indicator rollup needs.
    A test knows its team, agent and channel only: product, priority and complexity tier
    are NULL, so tests count in no scope of those types. -#}
select
    test_id,
    tested_at,
    team_id,
    agent_id,
    cast(null as {{ tsq.type_text() }}) as product,
    channel,
    cast(null as {{ tsq.type_text() }}) as priority,
    cast(null as {{ tsq.type_text() }}) as complexity_tier,
    technical_accuracy,
    communication,
    overall
from {{ ref('stg_helpdesk__mystery_shops') }}
