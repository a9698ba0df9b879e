{#- One row per ticket that was given a workaround (its first workaround event), and
    whether the workaround held: no reopen, escalation or problem complaint after it,
    through the permanent fix (the final resolution) and at least the watch days after
    it. Undecided (NULL) while the ticket awaits its permanent fix or the watch runs.

    The stored rows: as_of_at is not kept (the view int_ticket_workaround_outcomes adds it),
    and watch_until and held depend on the as-of instant only while undecided (held NULL),
    the tickets int_touched_tickets touches when the instant moves. -#}
{%- set watch_days = var('tsq_workaround_watch_days', 7) -%}
{{ per_ticket_incremental() }}
with lifecycle as (
    select * from {{ ref('int_ticket_lifecycle') }}
),

window_ as (
    select as_of_at from {{ ref('int_data_window') }}
),

workarounds as (
    select
        lifecycle.ticket_id,
        lifecycle.team_id,
        lifecycle.agent_id,
        lifecycle.product,
        lifecycle.channel,
        lifecycle.priority,
        cast(lifecycle.complexity_tier as {{ tsq.type_text() }}) as complexity_tier,
        lifecycle.first_workaround_at as workaround_at,
        lifecycle.resolved_at as permanent_fix_at,
        greatest(
            coalesce(lifecycle.resolved_at, window_.as_of_at),
            {{ dbt.dateadd('day', watch_days, 'lifecycle.first_workaround_at') }}
        ) as watch_until,
        window_.as_of_at
    from lifecycle
    cross join window_
    where lifecycle.first_workaround_at is not null
    {{ touched_only('lifecycle.ticket_id', 'and') }}
),

failures as (
    select workarounds.ticket_id, events.event_at as failed_at, events.event_type as failure
    from workarounds
    inner join {{ ref('stg_helpdesk__ticket_events') }} as events
        on events.ticket_id = workarounds.ticket_id
        and events.event_type in ('reopen', 'escalation')
        and events.event_at > workarounds.workaround_at
        and events.event_at <= workarounds.watch_until
    union all
    -- a complaint about the problem itself; attitude complaints and suggestions say
    -- nothing about whether the workaround worked
    select workarounds.ticket_id, complaints.received_at, 'complaint'
    from workarounds
    inner join {{ ref('stg_helpdesk__complaints') }} as complaints
        on complaints.ticket_id = workarounds.ticket_id
        and complaints.category not in ('attitude', 'suggestion')
        and complaints.received_at > workarounds.workaround_at
        and complaints.received_at <= workarounds.watch_until
),

first_failures as (
    select ticket_id, min(failed_at) as failed_at, {{ tsq.arg_min('failure', 'failed_at') }} as failure
    from failures
    group by ticket_id
)

select
    workarounds.ticket_id,
    workarounds.team_id,
    workarounds.agent_id,
    workarounds.product,
    workarounds.channel,
    workarounds.priority,
    workarounds.complexity_tier,
    workarounds.workaround_at,
    workarounds.permanent_fix_at,
    workarounds.watch_until,
    first_failures.failed_at,
    first_failures.failure,
    case
        when first_failures.failed_at is not null then false
        when workarounds.permanent_fix_at is not null and workarounds.watch_until <= workarounds.as_of_at
            then true
    end as held
from workarounds
left join first_failures on first_failures.ticket_id = workarounds.ticket_id
