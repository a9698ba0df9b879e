{#- One row per ticket record read from the inbox, in its latest state: accepted into raw,
    or quarantined by the ingestion gates. A record passes when it was accepted and
    carries every key timestamp its status implies (int_ticket_process_checks).

    Each key counts once: a ticket quarantined and later corrected is its accepted row; a
    ticket accepted and later re-sent broken is its quarantined row (the latest load of a
    key is its state; on a tie the accepted row wins). A quarantined row without a
    readable ticket_id is a record of its own.

    Quarantined records are placed in time and scope by what their original row says.
    Where its created_at does not parse, or lies outside the plausible window
    (var tsq_plausible_from .. the data's as-of instant plus one day), created_at is NULL
    and the record is left out of period figures: it is never dated by the day of the run. -#}
with accepted as (
    select
        checks.ticket_id,
        checks.created_at,
        checks.team_id,
        checks.agent_id,
        checks.product,
        checks.channel,
        checks.priority,
        checks.complexity_tier,
        coalesce(checks.has_created_at and coalesce(checks.has_first_response_at, true)
            and coalesce(checks.has_resolution_at, true), false) as passes_gates,
        tickets._loaded_at as state_at,
        0 as state_order
    from {{ ref('int_ticket_process_checks') }} as checks
    join {{ ref('stg_helpdesk__tickets') }} as tickets using (ticket_id)
),

quarantined_rows as (
    select
        {{ tsq.json_valid('original_row') }} as readable,
        original_row,
        quarantined_at
    from {{ source('raw', 'quarantine') }}
    where entity = 'tickets'
),

quarantined as (
    select
        case when readable then nullif(trim({{ tsq.json_text('original_row', 'ticket_id') }}), '') end
            as ticket_id,
        case when readable
            then {{ parse_utc_timestamp(tsq.json_text('original_row', 'created_at')) }} end
            as claimed_created_at,
        case when readable then {{ tsq.json_text('original_row', 'team_id') }} end as team_id,
        case when readable then {{ tsq.json_text('original_row', 'agent_id') }} end as agent_id,
        case when readable then {{ tsq.json_text('original_row', 'product') }} end as product,
        case when readable then {{ tsq.json_text('original_row', 'channel') }} end as channel,
        case when readable then {{ tsq.json_text('original_row', 'priority') }} end as priority,
        case when readable then {{ tsq.json_text('original_row', 'complexity_tier') }} end
            as complexity_tier,
        quarantined_at as state_at
    from quarantined_rows
),

plausible as (
    select
        cast('{{ var("tsq_plausible_from") }}' as timestamp) as plausible_from,
        as_of_at + {{ tsq.interval(1, 'day') }} as plausible_to
    from {{ ref('int_data_window') }}
),

records as (
    select ticket_id, created_at, team_id, agent_id, product, channel, priority,
        cast(complexity_tier as {{ tsq.type_text() }}) as complexity_tier, passes_gates, state_at,
        state_order
    from accepted
    union all
    select
        q.ticket_id,
        case when q.claimed_created_at >= p.plausible_from
                  and (p.plausible_to is null or q.claimed_created_at <= p.plausible_to)
            then q.claimed_created_at end as created_at,
        q.team_id, q.agent_id, q.product, q.channel, q.priority, q.complexity_tier,
        false as passes_gates,
        q.state_at,
        1 as state_order
    from quarantined as q
    cross join plausible as p
),

latest as (
    select
        *,
        row_number() over (
            partition by ticket_id order by state_at desc, state_order
        ) as recency
    from records
)

select ticket_id, created_at, team_id, agent_id, product, channel, priority,
    complexity_tier, passes_gates
from latest
where ticket_id is null or recency = 1
