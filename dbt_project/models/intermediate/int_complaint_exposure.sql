{#- Complaints and the ticket volume they are measured against, in one relation so a
    period and scope can be rolled up once: one row per ticket (anchored on its creation)
    and one row per complaint (anchored on its receipt, in the scope of the ticket it is
    about; a complaint about no ticket counts only for the organisation). -#}
select
    'ticket' as unit_type,
    ticket_id as unit_id,
    created_at as anchor_at,
    team_id,
    agent_id,
    product,
    channel,
    priority,
    complexity_tier,
    cast(null as {{ tsq.type_text() }}) as complaint_category
from {{ ref('fct_tickets') }}

union all

select
    'complaint' as unit_type,
    complaints.complaint_id as unit_id,
    complaints.received_at as anchor_at,
    tickets.team_id,
    tickets.agent_id,
    tickets.product,
    tickets.channel,
    tickets.priority,
    tickets.complexity_tier,
    complaints.category as complaint_category
from {{ ref('stg_helpdesk__complaints') }} as complaints
left join {{ ref('fct_tickets') }} as tickets on tickets.ticket_id = complaints.ticket_id
