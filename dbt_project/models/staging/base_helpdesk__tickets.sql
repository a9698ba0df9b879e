-- raw.tickets: the latest row of each key, typed, with the reason it is held back
-- (NULL for a usable row; macros/held_back.sql); stg_helpdesk__tickets keeps the
-- usable rows.
with latest as (
    {{ latest_row_per_key(source('raw', 'tickets'), ['ticket_id']) }}
),

typed as (
    select
        ticket_id,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        lower(channel) as channel,
        upper(priority) as priority,
        try_cast(complexity_tier as integer) as complexity_tier,
        category,
        coalesce(product, 'unknown') as product,
        team_id,
        agent_id,
        requester_id,
        language,
        subject,
        lower(status) as status,
        symptom,
        root_cause,
        resolution_summary,
        closure_code,
        {{ parse_utc_timestamp('closed_at') }} as closed_at,
        -- the source system's own SLA verdicts, kept only to reconcile with TSQ's
        -- (int_source_sla_agreement); empty stays NULL: unknown or still running
        lower(source_first_response_sla_met) in ('true', '1', 'yes', 't', 'y')
            as source_first_response_sla_met,
        lower(source_resolution_sla_met) in ('true', '1', 'yes', 't', 'y')
            as source_resolution_sla_met,
        -- the source system's own counts (e.g. ServiceNow reassignment_count / reopen_count);
        -- NULL when the export has none: int_ticket_lifecycle then counts the events
        try_cast(reassignment_count as integer) as reassignment_count,
        try_cast(reopen_count as integer) as reopen_count,
        _source_file,
        _source_row,
        _load_id,
        _loaded_at
    from latest
)

select
    typed.*,
    {{ held_back_by_team('team') }} as _held_back_reason
from typed
left join {{ ref('stg_helpdesk__teams') }} as team on team.team_id = typed.team_id
