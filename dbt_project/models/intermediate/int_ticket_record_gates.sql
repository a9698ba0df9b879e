{#- One row per ticket record read from the inbox: accepted into raw, or quarantined by
    the ingestion gates. A record passes when it was accepted and carries every key
    timestamp its status implies (int_ticket_process_checks). Quarantined records are
    placed in time and scope by what their original row says, where it can be read. -#}
with accepted as (
    select
        ticket_id,
        created_at,
        team_id,
        agent_id,
        product,
        channel,
        priority,
        complexity_tier,
        coalesce(has_created_at and coalesce(has_first_response_at, true)
            and coalesce(has_resolution_at, true), false) as passes_gates
    from {{ ref('int_ticket_process_checks') }}
),

quarantined as (
    select
        case when json_valid(original_row) then original_row::json ->> 'ticket_id' end as ticket_id,
        coalesce(
            case when json_valid(original_row)
                then {{ parse_utc_timestamp("original_row::json ->> 'created_at'") }} end,
            cast(timezone('UTC', quarantined_at) as timestamp)
        ) as created_at,
        case when json_valid(original_row) then original_row::json ->> 'team_id' end as team_id,
        case when json_valid(original_row) then original_row::json ->> 'agent_id' end as agent_id,
        case when json_valid(original_row) then original_row::json ->> 'product' end as product,
        case when json_valid(original_row) then original_row::json ->> 'channel' end as channel,
        case when json_valid(original_row) then original_row::json ->> 'priority' end as priority,
        case when json_valid(original_row) then original_row::json ->> 'complexity_tier' end
            as complexity_tier,
        false as passes_gates
    from {{ source('raw', 'quarantine') }}
    where entity = 'tickets'
)

select * from accepted
union all
select * from quarantined
