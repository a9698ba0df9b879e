{#- One row per interval in which a ticket waited on the customer (status 'pending' in
    the export contract), with the owning team's business-clock readings at both ends.
    Every wait is listed whatever the setting; the resolution clock pauses over them when
    tsq_pause_resolution_clock_when_pending is on (the default; int_ticket_business_clock
    reads it).

    A wait starts at a status_change to 'pending' and ends at the ticket's next event that
    says the ticket is no longer waiting on the customer: a status_change to any other
    status, a customer reply (Zendesk and most help desks reopen a pending ticket when
    the requester answers), a resolution, a reopen or a closure. Further changes to
    'pending' inside a wait do not restart it. A wait with no such event yet runs to the
    as-of instant (pending_ended_by 'still_pending'). Waits are clipped to start no
    earlier than the ticket's creation. -#}
{{ per_ticket_incremental() }}
{#- spelt out in each window that refines it: Spark cannot refine a named window -#}
{%- set signal_order = "partition by ticket_id order by event_at, case when event_type = 'status_change' then 1 else 0 end, event_id" %}
with lifecycle as (
    select ticket_id, team_id, created_at from {{ ref('int_ticket_lifecycle') }}
    {{- touched_only('ticket_id') }}
),

window_ as (
    select as_of_at from {{ ref('int_data_window') }}
),

status_signals as (
    -- the events that tell the ticket's waiting state, and whether the ticket waits on
    -- the customer after each one
    select
        ticket_id,
        event_id,
        event_at,
        event_type,
        event_type = 'status_change' and to_status = 'pending' as waiting_after
    from {{ ref('stg_helpdesk__ticket_events') }}
    where (event_type = 'status_change' and to_status is not null)
        or event_type in ('customer_reply', 'resolution', 'reopen', 'closure')
    {{ touched_only('ticket_id', 'and') }}
),

ordered as (
    select
        *,
        -- at one instant a status change is taken as the last word: it records the
        -- state the ticket was left in
        coalesce(lag(waiting_after) over signal_order, false) as waiting_before,
        -- the next event after which the ticket no longer waits
        {{ tsq.first_non_null(
            'case when not waiting_after then event_at end',
            signal_order ~ ' rows between 1 following and unbounded following'
        ) }} as next_release_at,
        {{ tsq.first_non_null(
            'case when not waiting_after then event_type end',
            signal_order ~ ' rows between 1 following and unbounded following'
        ) }} as released_by
    from status_signals
    window signal_order as ({{ signal_order }})
),

waits as (
    select
        ordered.ticket_id,
        lifecycle.team_id,
        greatest(ordered.event_at, lifecycle.created_at) as pending_from_at,
        coalesce(ordered.next_release_at, window_.as_of_at) as pending_until_at,
        coalesce(ordered.released_by, 'still_pending') as pending_ended_by
    from ordered
    inner join lifecycle on lifecycle.ticket_id = ordered.ticket_id
    cross join window_
    where ordered.waiting_after and not ordered.waiting_before
)

select
    clocked.ticket_id,
    clocked.team_id,
    clocked.pending_from_at,
    clocked.pending_until_at,
    clocked.pending_ended_by,
    clocked.pending_from_clock_minutes,
    clocked.pending_until_clock_minutes
from (
    {{ read_business_clock_columns('waits', 'team_id', ['pending_from_at', 'pending_until_at']) }}
) as clocked
where clocked.pending_until_at > clocked.pending_from_at
