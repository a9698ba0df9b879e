{#- Every scope that has a published value or score, with a display name where the source
    gives one: a team's name from the teams export; for products, channels, priorities and
    tiers the value itself. Agents get no display name here: a person's name is personal
    data, and the agent's id is published under the personal-data rules of the publish
    step (docs/published-tables.md). -#}
with published_scopes as (
    select distinct scope_type, scope_id from {{ ref('indicator_values') }}
    union
    select distinct scope_type, scope_id from {{ ref('scores') }}
)

select
    published_scopes.scope_type,
    published_scopes.scope_id,
    case published_scopes.scope_type
        when 'organisation' then 'Organisation'
        when 'team' then coalesce(teams.team_name, published_scopes.scope_id)
        when 'agent' then null
        else published_scopes.scope_id
    end as display_name
from published_scopes
left join {{ ref('stg_helpdesk__teams') }} as teams
    on published_scopes.scope_type = 'team' and teams.team_id = published_scopes.scope_id
