{#- One row per escalation event: was it upward, when the target tier took the ticket up
    (the first agent work on the ticket after the escalation), how many business minutes
    that took in the receiving team's calendar, and whether the escalation stuck (ticket
    resolved with no later hand-back to a lower tier and no further escalation).

    Acceptance target: var tsq_escalation_accept_business_minutes (default 480: eight
    business hours, i.e. taken up within one working day of the receiving team). -#}
{%- set accept_target_minutes = var('tsq_escalation_accept_business_minutes', 480) -%}
{{ per_ticket_incremental() }}
-- not materialised: read twice, DuckDB would otherwise copy every event with every
-- column first, when each read needs a few columns (docs/performance.md)
with events as {{ tsq.cte_materialization('not materialized') }}(
    select * from {{ ref('stg_helpdesk__ticket_events') }}
    {{- touched_only('ticket_id') }}
),

agents as (
    select * from {{ ref('stg_helpdesk__agents') }}
),

tickets as (
    select * from {{ ref('fct_tickets') }}
    {{- touched_only('ticket_id') }}
),

escalations as (
    select
        events.event_id as escalation_event_id,
        events.ticket_id,
        events.event_at as escalated_at,
        events.tier as escalated_tier,
        events.agent_id as escalating_agent_id,
        escalating_agent.tier as escalating_agent_tier,
        -- the receiving team's calendar; the ticket's team when the event does not say
        coalesce(events.team_id, tickets.team_id) as receiving_team_id,
        -- an escalation whose tier is known not to be above the escalating agent's tier
        -- is a lateral hand-off logged as an escalation, not a move to a higher tier
        coalesce(events.tier > escalating_agent.tier, true) as is_upward
    from events
    inner join tickets on tickets.ticket_id = events.ticket_id
    left join agents as escalating_agent on escalating_agent.agent_id = events.agent_id
    where events.event_type = 'escalation'
),

later_events as (
    -- for each escalation, what happened on its ticket strictly after it
    select
        escalations.escalation_event_id,
        min(case
            when events.event_type = 'assignment'
              or (events.actor_type = 'agent' and events.event_type in
                  ('public_reply', 'proactive_update', 'internal_note', 'workaround', 'resolution'))
                then events.event_at
        end) as accepted_at,
        -- handed back: a transfer to an agent whose tier is below the escalated tier
        max(case
            when events.event_type = 'transfer' and receiving_agent.tier < escalations.escalated_tier
                then 1 else 0
        end) = 1 as bounced_back,
        -- escalated again: the tier escalated to could not resolve it
        max(case when events.event_type = 'escalation' then 1 else 0 end) = 1 as escalated_again
    from escalations
    inner join events
        on events.ticket_id = escalations.ticket_id
        and events.event_at > escalations.escalated_at
    left join agents as receiving_agent on receiving_agent.agent_id = events.agent_id
    group by escalations.escalation_event_id
),

instants as (
    select escalations.escalation_event_id, escalations.receiving_team_id, 'escalated' as instant, escalations.escalated_at as at_utc
    from escalations
    union all
    select escalations.escalation_event_id, escalations.receiving_team_id, 'accepted', later_events.accepted_at
    from escalations
    inner join later_events on later_events.escalation_event_id = escalations.escalation_event_id
    where later_events.accepted_at is not null
    union all
    select escalations.escalation_event_id, escalations.receiving_team_id, 'as_of', window_.as_of_at
    from escalations
    cross join {{ ref('int_data_window') }} as window_
),

readings as (
    -- the receiving team's business clock at each instant (see int_ticket_business_clock)
    {{ read_business_clock('instants', 'receiving_team_id', 'at_utc') }}
),

clocked as (
    select
        escalations.*,
        later_events.accepted_at,
        coalesce(later_events.bounced_back, false) as bounced_back,
        coalesce(later_events.escalated_again, false) as escalated_again,
        max(case when readings.instant = 'accepted' then readings.business_clock_minutes end)
            - max(case when readings.instant = 'escalated' then readings.business_clock_minutes end)
            as accept_business_minutes,
        max(case when readings.instant = 'as_of' then readings.business_clock_minutes end)
            - max(case when readings.instant = 'escalated' then readings.business_clock_minutes end)
            as open_business_minutes_as_of
    from escalations
    left join later_events on later_events.escalation_event_id = escalations.escalation_event_id
    left join readings on readings.escalation_event_id = escalations.escalation_event_id
    group by
        escalations.escalation_event_id, escalations.ticket_id, escalations.escalated_at,
        escalations.escalated_tier, escalations.escalating_agent_id,
        escalations.escalating_agent_tier, escalations.receiving_team_id, escalations.is_upward,
        later_events.accepted_at, later_events.bounced_back, later_events.escalated_again
),

judged as (
    select
        clocked.*,
        cast({{ accept_target_minutes }} as {{ tsq.type_double() }}) as accept_target_business_minutes,
        case
            when accepted_at is not null then accept_business_minutes <= {{ accept_target_minutes }}
            -- nobody has taken it up yet, and the target has already passed: a miss
            when open_business_minutes_as_of > {{ accept_target_minutes }} then false
        end as accepted_within_target
    from clocked
)

select
    judged.escalation_event_id,
    judged.ticket_id,
    judged.escalated_at,
    judged.escalated_tier,
    judged.escalating_agent_id,
    judged.escalating_agent_tier,
    judged.receiving_team_id,
    judged.is_upward,
    judged.accepted_at,
    judged.accept_business_minutes,
    judged.accept_target_business_minutes,
    judged.accepted_within_target,
    judged.bounced_back,
    judged.escalated_again,
    tickets.resolved_at,
    -- effective: accepted within target, resolved, no hand-back, no further escalation.
    -- NULL while undecided (accepted in time or still within the target, not yet resolved).
    case
        when judged.bounced_back or judged.escalated_again then false
        when judged.accepted_within_target = false then false
        when judged.accepted_within_target and tickets.resolved_at is not null then true
    end as is_effective,
    tickets.team_id,
    tickets.agent_id,
    tickets.product,
    tickets.channel,
    tickets.priority,
    tickets.complexity_tier
from judged
inner join tickets on tickets.ticket_id = judged.ticket_id
