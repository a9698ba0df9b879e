{#- 投诉处理时长: median calendar hours from receipt to resolution over complaints resolved
    in the period (suggestions excluded). A complaint about a ticket takes that ticket's
    scope; one without a ticket counts for the organisation only. -#}
{%- set complaints -%}
(
    select
        complaints.complaint_id,
        complaints.received_at,
        complaints.resolved_at,
        {{ minutes_between('complaints.received_at', 'complaints.resolved_at') }} / 60.0
            as resolution_hours,
        tickets.team_id,
        tickets.agent_id,
        tickets.product,
        tickets.channel,
        tickets.priority,
        tickets.complexity_tier
    from {{ ref('stg_helpdesk__complaints') }} as complaints
    left join {{ ref('fct_tickets') }} as tickets on tickets.ticket_id = complaints.ticket_id
    where complaints.category <> 'suggestion'
      and complaints.resolved_at >= complaints.received_at
) as complaints
{%- endset -%}
{{ indicator_rollup(
    indicator_id='ux_complaint_resolution_hours',
    relation=complaints,
    anchor_at='resolved_at',
    value=tsq.median('resolution_hours'),
    sample_size='count(*)',
) }}
