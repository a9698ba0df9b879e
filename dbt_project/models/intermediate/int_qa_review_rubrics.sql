{#- One row per QA review with its rubric scores, placed in the scope of the reviewed
    ticket (fct_tickets). A review of a ticket not in the export counts only for the
    organisation. -#}
select
    reviews.review_id,
    reviews.ticket_id,
    reviews.reviewed_at,
    tickets.team_id,
    tickets.agent_id,
    tickets.product,
    tickets.channel,
    tickets.priority,
    tickets.complexity_tier,
    reviews.expertise_score,
    reviews.language_score,
    reviews.clarity_score,
    reviews.attitude_score
from {{ ref('stg_helpdesk__qa_reviews') }} as reviews
left join {{ ref('fct_tickets') }} as tickets on tickets.ticket_id = reviews.ticket_id
