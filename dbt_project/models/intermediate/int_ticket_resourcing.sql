{#- One row per ticket with what OPS1 (resource allocation) asks of it: who resolved it
    and whether that agent holds the ticket category's skill, how many active agents of
    the owning team hold that skill, and whether a supporting tool was used. -#}
{{ per_ticket_incremental() }}
with tickets as (
    select * from {{ ref('int_ticket_lifecycle') }}
    {{- touched_only('ticket_id') }}
),

skills as (
    select * from {{ ref('int_agent_skills') }}
),

events as (
    select * from {{ ref('stg_helpdesk__ticket_events') }}
    {{- touched_only('ticket_id') }}
),

per_ticket_events as (
    select
        ticket_id,
        -- the agent of the final resolution (latest resolution event naming an agent)
        {{ tsq.arg_max('agent_id', 'event_at', where="event_type = 'resolution' and agent_id is not null") }}
            as resolution_agent_id,
        count(tool) as tool_events,
        count(distinct tool) as tools_used
    from events
    group by ticket_id
),

resolved_by as (
    select
        tickets.ticket_id,
        coalesce(per_ticket_events.resolution_agent_id, tickets.agent_id) as resolver_agent_id,
        coalesce(per_ticket_events.tool_events, 0) as tool_events,
        coalesce(per_ticket_events.tools_used, 0) as tools_used
    from tickets
    left join per_ticket_events on per_ticket_events.ticket_id = tickets.ticket_id
),

team_coverage as (
    -- active agents of each team holding each skill: worked out on the small skills
    -- table, then looked up per ticket by (team, category), instead of joining every
    -- ticket to its team's skills and counting per ticket
    select team_id, skill, count(distinct agent_id) as team_skilled_active_agents
    from skills
    where is_active
    group by team_id, skill
),

agent_skills as (
    select distinct agent_id, skill from skills
),

resolver_skill as (
    select
        resolved_by.ticket_id,
        agent_skills.agent_id is not null as resolver_has_skill
    from resolved_by
    inner join tickets on tickets.ticket_id = resolved_by.ticket_id
    -- every roster agent: a resolver with no skills at all is a mismatch, not unknown
    inner join {{ ref('stg_helpdesk__agents') }} as roster on roster.agent_id = resolved_by.resolver_agent_id
    left join agent_skills
        on agent_skills.agent_id = resolved_by.resolver_agent_id
        and agent_skills.skill = lower(trim(tickets.category))
)

select
    tickets.ticket_id,
    tickets.created_at,
    tickets.resolved_at,
    tickets.team_id,
    tickets.agent_id,
    tickets.product,
    tickets.channel,
    tickets.priority,
    cast(tickets.complexity_tier as {{ tsq.type_text() }}) as complexity_tier,
    tickets.category,
    tickets.status,
    resolved_by.resolver_agent_id,
    -- NULL while unresolved, or when the resolver is not in the agent roster
    case when tickets.resolved_at is not null then resolver_skill.resolver_has_skill end
        as resolver_has_skill,
    coalesce(team_coverage.team_skilled_active_agents, 0) as team_skilled_active_agents,
    coalesce(team_coverage.team_skilled_active_agents, 0) >= 2 as category_covered,
    resolved_by.tool_events,
    resolved_by.tools_used,
    resolved_by.tool_events > 0 as used_tool
from tickets
left join resolved_by on resolved_by.ticket_id = tickets.ticket_id
left join team_coverage
    on team_coverage.team_id = tickets.team_id
    and team_coverage.skill = lower(trim(tickets.category))
left join resolver_skill on resolver_skill.ticket_id = tickets.ticket_id
