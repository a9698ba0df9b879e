{#- One row per ticket: its milestones, read from the event log. The transfer and reopen
    counts are the source system's own (tickets.reassignment_count / reopen_count, e.g.
    ServiceNow's) where the export carries them, else the transfer / reopen events
    counted: an export's own count sees reassignments its log does not show one by one. -#}
{{ per_ticket_incremental() }}
with tickets as (
    select * from {{ ref('stg_helpdesk__tickets') }}
    {{- touched_only('ticket_id') }}
),

events as (
    select * from {{ ref('stg_helpdesk__ticket_events') }}
    {{- touched_only('ticket_id') }}
),

milestones as (
    select
        ticket_id,
        -- first substantive response: a public reply by an agent (auto-replies and
        -- internal notes are other event types and do not count)
        min(case when event_type = 'public_reply' and actor_type = 'agent' then event_at end)
            as first_response_at,
        min(case when event_type = 'workaround' then event_at end) as first_workaround_at,
        min(case when event_type = 'resolution' then event_at end) as first_resolution_at,
        max(case when event_type = 'resolution' then event_at end) as last_resolution_at,
        sum(case when event_type = 'reopen' then 1 else 0 end) as reopen_count,
        max(case when event_type = 'reopen' then event_at end) as last_reopen_at,
        max(case when event_type = 'closure' then event_at end) as last_closure_event_at,
        sum(case when event_type = 'transfer' then 1 else 0 end) as transfer_count,
        sum(case when event_type = 'escalation' then 1 else 0 end) as escalation_count,
        sum(case when event_type = 'public_reply' and actor_type = 'agent' then 1 else 0 end)
            as agent_reply_count,
        sum(case when event_type = 'proactive_update' then 1 else 0 end) as proactive_update_count
    from events
    group by ticket_id
)

select
    tickets.ticket_id,
    tickets.created_at,
    tickets.team_id,
    tickets.agent_id,
    tickets.product,
    tickets.channel,
    tickets.priority,
    tickets.complexity_tier,
    tickets.category,
    tickets.status,
    -- the closure instant of a closed ticket: its closed_at, else its last closure event
    case
        when tickets.status = 'closed' then coalesce(tickets.closed_at, milestones.last_closure_event_at)
    end as closed_at,
    milestones.last_reopen_at,
    milestones.first_response_at,
    milestones.first_workaround_at,
    milestones.first_resolution_at,
    -- resolved means resolved now: a reopened ticket counts from its final resolution
    case
        when tickets.status in ('solved', 'closed')
            then coalesce(milestones.last_resolution_at, tickets.closed_at)
    end as resolved_at,
    coalesce(tickets.reopen_count, milestones.reopen_count, 0) as reopen_count,
    coalesce(tickets.reassignment_count, milestones.transfer_count, 0)
        as transfer_count,
    coalesce(milestones.escalation_count, 0) as escalation_count,
    coalesce(milestones.agent_reply_count, 0) as agent_reply_count,
    coalesce(milestones.proactive_update_count, 0) as proactive_update_count
from tickets
left join milestones on milestones.ticket_id = tickets.ticket_id
