{#- One row per agent and skill: agents.skills split on ';', trimmed and lower-cased so it
    compares with a ticket's category. An agent without skills has no row. Whether the
    agent is active is today's roster flag (the export carries no roster history). -#}
with agents as (
    select * from {{ ref('stg_helpdesk__agents') }}
),

split as (
    select
        agents.agent_id,
        agents.team_id,
        agents.is_active,
        lower(trim(skill.skill)) as skill
    from agents
    {{ tsq.cross_join_unnest(tsq.split_string("coalesce(agents.skills, '')", "';'"), 'skill', 'skill') }}
)

select distinct agent_id, team_id, is_active, skill
from split
where skill <> ''
