{#- One row per ticket with the UX2 outcomes read off its lifecycle: when its resolution
    was due (creation + its complexity tier's target, on the owning team's business
    clock) and whether it was resolved by then; whether it was ever reopened; and whether
    it was resolved on first contact. -#}
with tickets as (
    select * from {{ ref('fct_tickets') }}
),

clock as (
    select * from {{ ref('int_ticket_business_clock') }}
),

events as (
    select * from {{ ref('stg_helpdesk__ticket_events') }}
),


cycles as (
    select
        clock.ticket_id,
        clock.first_response_at,
        clock.first_workaround_at,
        -- the first time the ticket was resolved (a closure without a resolution event
        -- counts from the resolution time fct_tickets falls back to)
        coalesce(clock.first_resolution_at, tickets.resolved_at) as first_resolved_at,
        clock.created_clock_minutes + tickets.resolution_target_hours * 60 as due_clock_minutes,
        clock.as_of_clock_minutes
    from clock
    inner join tickets on tickets.ticket_id = clock.ticket_id
),

customer_replies as (
    -- each customer message after the first agent reply (or after creation, if the
    -- agent never replied publicly) and up to the first resolution opens another cycle
    select cycles.ticket_id, count(*) as customer_replies_before_resolution
    from cycles
    inner join tickets on tickets.ticket_id = cycles.ticket_id
    inner join events
        on events.ticket_id = cycles.ticket_id
        and events.event_type = 'customer_reply'
        and events.event_at > coalesce(cycles.first_response_at, tickets.created_at)
        and events.event_at <= cycles.first_resolved_at
    group by cycles.ticket_id
),

due_readings as (
    select cycles.ticket_id, tickets.team_id, cycles.due_clock_minutes
    from cycles
    inner join tickets on tickets.ticket_id = cycles.ticket_id
),

due as (
    -- the instant the team's business clock reaches the due reading; a due reading
    -- beyond the calendar (after the as-of instant) is not due yet: NULL
    select ticket_id, reached_at as due_at
    from ({{ business_clock_instant('due_readings', 'team_id', 'due_clock_minutes') }}) as reached
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
    tickets.status,
    tickets.resolved_at,
    cycles.first_resolved_at,
    due.due_at,
    -- decided once the due instant has passed: met when the ticket is resolved now and
    -- its resolution clock (final resolution or earlier workaround) stopped within the
    -- tier's target; otherwise a miss. Not yet due: NULL.
    case
        when cycles.due_clock_minutes <= cycles.as_of_clock_minutes
            then coalesce(tickets.resolution_sla_met, false)
    end as resolved_within_commitment,
    case when cycles.first_resolved_at is not null then tickets.reopen_count > 0 end as reopened,
    coalesce(customer_replies.customer_replies_before_resolution, 0)
        as customer_replies_before_resolution,
    case
        when tickets.resolved_at is not null then
            tickets.reopen_count = 0
            and tickets.transfer_count = 0
            and tickets.escalation_count = 0
            and cycles.first_workaround_at is null
            and coalesce(customer_replies.customer_replies_before_resolution, 0) = 0
    end as first_contact_resolved
from tickets
inner join cycles on cycles.ticket_id = tickets.ticket_id
left join due on due.ticket_id = tickets.ticket_id
left join customer_replies on customer_replies.ticket_id = tickets.ticket_id
