{#- One row per ticket with the UX2 outcomes read off its lifecycle: when its resolution
    was due and whether it was resolved by then; whether it was resolved in one go; the
    two together as ux_resolution_rate counts them; whether it was ever reopened; and
    whether it was resolved on first contact.

    The due instant is where the ticket's SLA clock (its priority's: business or 24x7,
    see fct_tickets) reaches the complexity tier's target, counted from creation and,
    when the pause is on, not running while the ticket waited on the customer before
    then (int_ticket_pending_intervals, clipped to the resolution window as in
    int_ticket_business_clock). Waits form an ordered, non-overlapping list, so a wait
    delays the due instant exactly when the net clock at its start is still short of
    the target; the due reading is the target plus the length of those waits. -#}
{{ per_ticket_incremental() }}
with tickets as (
    select * from {{ ref('fct_tickets') }}
    {{- touched_only('ticket_id') }}
),

clock as (
    select * from {{ ref('int_ticket_business_clock') }}
    {{- touched_only('ticket_id') }}
),

events as (
    select * from {{ ref('stg_helpdesk__ticket_events') }}
    {{- touched_only('ticket_id') }}
),

waits_on_the_sla_clock as (
    -- each wait inside the resolution window, as a start offset from creation and a
    -- length, both on the ticket's SLA clock
    select
        waits.ticket_id,
        case
            when tickets.sla_clock = 'calendar'
                then {{ minutes_between('clock.created_at', 'waits.pending_from_at') }}
            else waits.pending_from_clock_minutes - clock.created_clock_minutes
        end as starts_after_minutes,
        greatest(0, case
            when tickets.sla_clock = 'calendar' then {{ minutes_between(
                'waits.pending_from_at',
                'least(waits.pending_until_at, coalesce(clock.resolution_end_at, clock.as_of_at))'
            ) }}
            else least(
                waits.pending_until_clock_minutes,
                coalesce(clock.resolution_end_clock_minutes, clock.as_of_clock_minutes)
            ) - waits.pending_from_clock_minutes
        end) as paused_minutes
    from {{ ref('int_ticket_pending_intervals') }} as waits
    inner join clock on clock.ticket_id = waits.ticket_id
    inner join tickets on tickets.ticket_id = waits.ticket_id
    where clock.resolution_clock_pauses_when_pending
),

waits_before_due as (
    select
        waits.ticket_id,
        sum(waits.paused_minutes) as paused_minutes_before_due
    from (
        select
            waits_on_the_sla_clock.*,
            -- the net clock when this wait starts: its offset less the earlier waits
            starts_after_minutes - coalesce(sum(paused_minutes) over (
                partition by ticket_id order by starts_after_minutes
                rows between unbounded preceding and 1 preceding
            ), 0) as net_minutes_at_start
        from waits_on_the_sla_clock
    ) as waits
    inner join tickets on tickets.ticket_id = waits.ticket_id
    where waits.net_minutes_at_start < tickets.resolution_target_hours * 60
    group by waits.ticket_id
),

cycles as (
    select
        clock.ticket_id,
        tickets.team_id,
        tickets.sla_clock,
        clock.first_response_at,
        clock.first_workaround_at,
        -- the first time the ticket was resolved (a closure without a resolution event
        -- counts from the resolution time fct_tickets falls back to)
        coalesce(clock.first_resolution_at, tickets.resolved_at) as first_resolved_at,
        -- the due point as minutes on the ticket's SLA clock since creation
        tickets.resolution_target_hours * 60 + coalesce(waits_before_due.paused_minutes_before_due, 0)
            as due_after_minutes,
        case
            when tickets.sla_clock = 'calendar' then {{ minutes_between('clock.created_at', 'clock.as_of_at') }}
            else clock.as_of_clock_minutes - clock.created_clock_minutes
        end as as_of_after_minutes,
        clock.created_at,
        clock.created_clock_minutes
    from clock
    inner join tickets on tickets.ticket_id = clock.ticket_id
    left join waits_before_due on waits_before_due.ticket_id = clock.ticket_id
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
    select ticket_id, team_id, created_clock_minutes + due_after_minutes as due_clock_minutes
    from cycles
    where sla_clock = 'business' and due_after_minutes <= as_of_after_minutes
),

due as (
    -- only tickets already due by the as-of instant get a due instant (NULL: not due yet).
    -- Business clock: the instant the team's clock reaches the due reading.
    select ticket_id, reached_at as due_at
    from ({{ business_clock_instant('due_readings', 'team_id', 'due_clock_minutes') }}) as reached
    union all
    -- calendar clock: every minute counts
    select ticket_id, {{ dbt.dateadd('second', 'round(due_after_minutes * 60)', 'created_at') }} as due_at
    from cycles
    where sla_clock = 'calendar' and due_after_minutes <= as_of_after_minutes
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
    -- its resolution clock (final resolution or earlier held workaround, less waits on
    -- the customer) stopped within the tier's target; otherwise a miss. Not yet due: NULL.
    case
        when cycles.due_after_minutes <= cycles.as_of_after_minutes
            then coalesce(tickets.resolution_sla_met, false)
    end as resolved_within_commitment,
    -- resolved now, and with no reopen, transfer or escalation on the way
    case
        when tickets.resolved_at is not null then
            tickets.reopen_count = 0 and tickets.transfer_count = 0 and tickets.escalation_count = 0
    end as resolved_in_one_go,
    -- ux_resolution_rate (问题解决率, 一次性或在承诺时间内成功解决): once due, resolved in one
    -- go (however late) or within the commitment; an open overdue ticket is a miss for
    -- now (it turns into resolved if it is later resolved in one go). Not yet due: NULL.
    case
        when cycles.due_after_minutes <= cycles.as_of_after_minutes then
            coalesce(tickets.resolution_sla_met, false)
            or coalesce(tickets.resolved_at is not null
                and tickets.reopen_count = 0 and tickets.transfer_count = 0
                and tickets.escalation_count = 0, false)
    end as resolved_in_one_go_or_in_time,
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
