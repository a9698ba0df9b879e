{#- Reads each ticket milestone off its team's business clock: the business minutes
    the team had worked since the calendar's first day at that instant. Business
    minutes between two milestones are the difference of their clock readings.

    Where the resolution clock stops: at the final resolution, or earlier at the first
    workaround if that workaround held (int_ticket_workaround_outcomes: no reopen,
    escalation or problem complaint through the permanent fix and the watch days). A
    failed workaround, or one not judged yet, does not stop it.

    The time the ticket waited on the customer inside the resolution window (creation to
    the clock's stop, or to the as-of instant while open) is measured on both clocks;
    it is excluded from resolution time when tsq_pause_resolution_clock_when_pending is
    on (the default), and excluded minutes are 0 when it is off.

    The stored rows: the as-of readings (as_of_at, as_of_clock_minutes, ...) are read here
    but not kept, so that a moved as-of instant leaves the rows of settled tickets as they
    are; the view int_ticket_business_clock adds them (int_ticket_as_of_readings). The
    stored columns depend on the as-of instant only for the tickets int_touched_tickets
    touches when it moves (docs: "A moved as-of instant touches only ..."). -#}
{%- set pause = var('tsq_pause_resolution_clock_when_pending', true) -%}
{%- if pause is string %}{% set pause = pause | lower in ['true', '1', 'yes'] %}{% endif -%}
{{ per_ticket_incremental() }}
with lifecycle as (
    select
        lifecycle.*,
        workarounds.held as workaround_held,
        case
            when workarounds.held then least(lifecycle.first_workaround_at, lifecycle.resolved_at)
            else lifecycle.resolved_at
        end as resolution_end_at,
        case
            when lifecycle.resolved_at is null then null
            when workarounds.held then 'held_workaround'
            else 'resolution'
        end as resolution_stopped_by,
        window_.as_of_at
    from {{ ref('int_ticket_lifecycle') }} as lifecycle
    left join {{ ref('int_ticket_workaround_outcomes_stored') }} as workarounds
        on workarounds.ticket_id = lifecycle.ticket_id
    cross join {{ ref('int_data_window') }} as window_
    {{ touched_only('lifecycle.ticket_id') }}
),

clocked as (
    {{ read_business_clock_columns(
        'lifecycle',
        'team_id',
        ['created_at', 'first_response_at', 'resolution_end_at', 'resolved_at', 'as_of_at']
    ) }}
),

pending as (
    -- each wait clipped to the resolution window: it already starts no earlier than
    -- creation, and counts only up to the clock's stop (the as-of instant while open)
    select
        clocked.ticket_id,
        sum(cast(greatest(0, least(
            waits.pending_until_clock_minutes,
            coalesce(clocked.resolution_end_clock_minutes, clocked.as_of_clock_minutes)
        ) - waits.pending_from_clock_minutes) as {{ tsq.type_double() }})) as pending_business_minutes,
        sum(cast(greatest(0, {{ minutes_between(
            'waits.pending_from_at',
            'least(waits.pending_until_at, coalesce(clocked.resolution_end_at, clocked.as_of_at))'
        ) }}) as {{ tsq.type_double() }})) as pending_calendar_minutes
    from clocked
    inner join {{ ref('int_ticket_pending_intervals') }} as waits
        on waits.ticket_id = clocked.ticket_id
    group by clocked.ticket_id
)

select
    clocked.ticket_id,
    clocked.created_at,
    clocked.team_id,
    clocked.agent_id,
    clocked.product,
    clocked.channel,
    clocked.priority,
    clocked.complexity_tier,
    clocked.category,
    clocked.status,
    clocked.closed_at,
    clocked.last_reopen_at,
    clocked.first_response_at,
    clocked.first_workaround_at,
    clocked.first_resolution_at,
    clocked.resolved_at,
    clocked.reopen_count,
    clocked.transfer_count,
    clocked.escalation_count,
    clocked.agent_reply_count,
    clocked.proactive_update_count,
    clocked.workaround_held,
    clocked.resolution_end_at,
    clocked.resolution_stopped_by,
    clocked.created_clock_minutes,
    clocked.created_local_date,
    clocked.created_working_days_through,
    clocked.first_response_clock_minutes,
    clocked.first_response_local_date,
    clocked.first_response_working_days_through,
    clocked.resolution_end_clock_minutes,
    clocked.resolution_end_local_date,
    clocked.resolution_end_working_days_through,
    clocked.resolved_clock_minutes,
    clocked.resolved_local_date,
    clocked.resolved_working_days_through,
    -- measured whatever the setting (0: the ticket never waited in its resolution window)
    coalesce(pending.pending_business_minutes, 0.0) as pending_business_minutes,
    coalesce(pending.pending_calendar_minutes, 0.0) as pending_calendar_minutes,
    {{ 'true' if pause else 'false' }} as resolution_clock_pauses_when_pending,
    {%- if pause %}
    coalesce(pending.pending_business_minutes, 0.0) as pending_business_minutes_excluded,
    coalesce(pending.pending_calendar_minutes, 0.0) as pending_calendar_minutes_excluded
    {%- else %}
    cast(0 as {{ tsq.type_double() }}) as pending_business_minutes_excluded,
    cast(0 as {{ tsq.type_double() }}) as pending_calendar_minutes_excluded
    {%- endif %}
from clocked
left join pending on pending.ticket_id = clocked.ticket_id
