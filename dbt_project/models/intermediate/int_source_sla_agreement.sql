{#- How far the source systems' own SLA verdicts (tickets.source_*_sla_met, as the
    adapters read them) agree with TSQ's, per source and per SLA. TSQ's indicators never
    read the source verdicts: they use TSQ's targets and team calendars, so the two can
    differ by design (another calendar, goal or pause rule in the source). This table is
    for reconciling the two: a ticket counts where the source gave a verdict, and is
    compared where TSQ has one too. -#}
with tickets as (
    select
        ticket_id,
        -- the id namespace adapters write (`<source>:<id>`); canonical files written
        -- by hand may carry ids without one
        case
            when position(':' in ticket_id) > 0 then split_part(ticket_id, ':', 1)
            else '(not namespaced)'
        end as source,
        source_first_response_sla_met,
        source_resolution_sla_met
    from {{ ref('stg_helpdesk__tickets') }}
    where source_first_response_sla_met is not null or source_resolution_sla_met is not null
),

verdicts as (
    select
        tickets.source,
        tickets.source_first_response_sla_met,
        tickets.source_resolution_sla_met,
        -- TSQ's first response: decided once answered, or once unanswered past target
        fct.first_response_sla_met as tsq_first_response_sla_met,
        -- TSQ's resolution: decided once resolved (final resolution, as
        -- ux_resolution_sla_rate), or once unresolved past the tier's target (a miss,
        -- as ux_resolution_rate): a source also calls an overdue open ticket breached
        coalesce(fct.resolution_sla_met, outcomes.resolved_within_commitment)
            as tsq_resolution_sla_met
    from tickets
    left join {{ ref('fct_tickets') }} as fct on fct.ticket_id = tickets.ticket_id
    left join {{ ref('int_ticket_resolution_outcomes') }} as outcomes
        on outcomes.ticket_id = tickets.ticket_id
),

pairs as (
    select
        source,
        'first_response' as sla,
        source_first_response_sla_met as source_met,
        tsq_first_response_sla_met as tsq_met
    from verdicts
    where source_first_response_sla_met is not null
    union all
    select
        source,
        'resolution' as sla,
        source_resolution_sla_met as source_met,
        tsq_resolution_sla_met as tsq_met
    from verdicts
    where source_resolution_sla_met is not null
),

counted as (
    select
        source,
        sla,
        count(*) as tickets_with_source_verdict,
        count(tsq_met) as tickets_with_both_verdicts,
        count(case when source_met = tsq_met then 1 end) as agreements,
        count(case when source_met and not tsq_met then 1 end) as source_met_tsq_missed,
        count(case when not source_met and tsq_met then 1 end) as source_missed_tsq_met
    from pairs
    group by source, sla
)

select
    source,
    sla,
    tickets_with_source_verdict,
    tickets_with_both_verdicts,
    agreements,
    source_met_tsq_missed,
    source_missed_tsq_met,
    -- over the tickets both decided; NULL when none is
    cast(agreements as {{ tsq.type_double() }}) / nullif(tickets_with_both_verdicts, 0) as agreement_rate
from counted
