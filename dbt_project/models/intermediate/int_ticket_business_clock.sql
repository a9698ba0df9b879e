{#- Reads each ticket milestone off its team's business clock: the business minutes
    the team had worked since the calendar's first day at that instant. Business
    minutes between two milestones are the difference of their clock readings. -#}
with lifecycle as (
    select
        lifecycle.*,
        -- the resolution clock stops at the final resolution or at an earlier workaround
        least(
            coalesce(lifecycle.first_workaround_at, lifecycle.resolved_at),
            coalesce(lifecycle.resolved_at, lifecycle.first_workaround_at)
        ) as resolution_end_at,
        window_.as_of_at
    from {{ ref('int_ticket_lifecycle') }} as lifecycle
    cross join {{ ref('int_data_window') }} as window_
),

milestones as (
    {% set milestones = ['created_at', 'first_response_at', 'resolution_end_at', 'resolved_at', 'as_of_at'] %}
    {% for milestone in milestones %}
    select ticket_id, team_id, '{{ milestone }}' as milestone, {{ milestone }} as at_utc
    from lifecycle
    where {{ milestone }} is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

readings as (
    {{ read_business_clock('milestones', 'team_id', 'at_utc') }}
),

-- one row per ticket, pivoted before the join so the ticket's columns are not grouped on
readings_per_ticket as (
    select
        ticket_id,
        {% for milestone in milestones %}
        max(case when milestone = '{{ milestone }}' then business_clock_minutes end)
            as {{ milestone | replace('_at', '') }}_clock_minutes,
        max(case when milestone = '{{ milestone }}' then local_date end)
            as {{ milestone | replace('_at', '') }}_local_date,
        max(case when milestone = '{{ milestone }}' then working_days_through end)
            as {{ milestone | replace('_at', '') }}_working_days_through{% if not loop.last %},{% endif %}
        {% endfor %}
    from readings
    group by ticket_id
)

select
    lifecycle.*,
    readings_per_ticket.* exclude (ticket_id)
from lifecycle
left join readings_per_ticket on readings_per_ticket.ticket_id = lifecycle.ticket_id
