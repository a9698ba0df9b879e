{#- One row per satisfaction survey sent, in the scope of the surveyed ticket: whether
    its response window has closed, whether it was answered within the window, and its
    rating (any answer, however late, is a rating). -#}
{%- set window_days = var('tsq_survey_response_days', 7) -%}
with surveys as (
    select
        surveys.*,
        -- an answer without a response time is taken as answered when sent
        case when surveys.rating is not null then coalesce(surveys.responded_at, surveys.sent_at) end
            as answered_at,
        {{ dbt.dateadd('day', window_days, 'surveys.sent_at') }} as response_window_end
    from {{ ref('stg_helpdesk__surveys') }} as surveys
)

select
    surveys.survey_id,
    surveys.ticket_id,
    surveys.sent_at,
    surveys.answered_at,
    surveys.rating,
    tickets.team_id,
    tickets.agent_id,
    tickets.product,
    tickets.channel,
    tickets.priority,
    tickets.complexity_tier,
    surveys.response_window_end <= window_.as_of_at as response_window_closed,
    coalesce(surveys.answered_at <= surveys.response_window_end, false) as answered_in_window
from surveys
cross join {{ ref('int_data_window') }} as window_
left join {{ ref('fct_tickets') }} as tickets on tickets.ticket_id = surveys.ticket_id
