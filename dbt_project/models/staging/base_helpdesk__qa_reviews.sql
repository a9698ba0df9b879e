-- raw.qa_reviews: the latest row of each key, typed, with the reason it is held back
-- (NULL for a usable row; macros/held_back.sql); stg_helpdesk__qa_reviews keeps the
-- usable rows.
with latest as (
    {{ latest_row_per_key(source('raw', 'qa_reviews'), ['review_id']) }}
),

typed as (
    select
        review_id,
        ticket_id,
        agent_id,
        reviewer_id,
        {{ parse_utc_timestamp('reviewed_at') }} as reviewed_at,
        try_cast(expertise_score as double) as expertise_score,
        try_cast(language_score as double) as language_score,
        try_cast(clarity_score as double) as clarity_score,
        try_cast(attitude_score as double) as attitude_score,
        try_cast(documentation_score as double) as documentation_score,
        comment,
        _source_file,
        _source_row,
        _load_id
    from latest
)

select
    typed.*,
    {{ held_back_by_ticket('ticket') }} as _held_back_reason
from typed
left join {{ ref('base_helpdesk__tickets') }} as ticket on ticket.ticket_id = typed.ticket_id
