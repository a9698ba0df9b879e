{#- One row per agent and day (in the reporting time zone) on which the agent was active:
    acted on a ticket (any ticket event with actor_type 'agent') or worked on the
    knowledge base. Flags the days on which the agent shared knowledge: authored an article
    (kb_articles.author_agent_id at created_at) or made a kb_links 'created' / 'updated'
    link. Only days inside the data window (int_data_window). A distinct count of agents over these rows gives "active agents in the period"
    at every period grain. -#}
{%- set tz = "'" ~ var('tsq_reporting_timezone') ~ "'" -%}
with activities as (
    select agent_id, event_at as active_at, false as is_contribution
    from {{ ref('stg_helpdesk__ticket_events') }}
    where actor_type = 'agent' and agent_id is not null
    union all
    select author_agent_id, created_at, true
    from {{ ref('stg_helpdesk__kb_articles') }}
    where author_agent_id is not null
    union all
    select agent_id, linked_at, link_type in ('created', 'updated')
    from {{ ref('stg_helpdesk__kb_links') }}
    where agent_id is not null
),

days as (
    select
        agent_id,
        cast({{ utc_to_local('active_at', tz) }} as date) as local_date,
        min(active_at) as first_active_at,
        bool_or(is_contribution) as shared_knowledge
    from activities
    cross join {{ ref('int_data_window') }} as window_
    -- inside the data window only: before it, knowledge-base authoring would be the
    -- only activity known and every month would look like 100% sharing
    where activities.active_at between window_.first_at and window_.as_of_at
    group by 1, 2
)

select
    days.agent_id,
    days.local_date,
    days.first_active_at,
    days.shared_knowledge,
    agents.team_id,
    cast(null as {{ tsq.type_text() }}) as product,
    cast(null as {{ tsq.type_text() }}) as channel,
    cast(null as {{ tsq.type_text() }}) as priority,
    cast(null as {{ tsq.type_text() }}) as complexity_tier
from days
left join {{ ref('stg_helpdesk__agents') }} as agents on agents.agent_id = days.agent_id
