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
)

{{ read_business_clock_columns(
    'lifecycle',
    'team_id',
    ['created_at', 'first_response_at', 'resolution_end_at', 'resolved_at', 'as_of_at']
) }}
