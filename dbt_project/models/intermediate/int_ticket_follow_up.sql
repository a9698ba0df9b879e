{#- One row per ticket with what UX4 (follow-up and closed loop) and QA coverage ask of
    it: confirmation with the user before closure, callback within the agreed working
    days after resolution, record completeness, QA documentation rubric, and knowledge
    contributed by its handler. -#}
{%- set callback_days = var('tsq_callback_days', 3) -%}
{{ per_ticket_incremental() }}
with clock as (
    select * from {{ ref('int_ticket_business_clock') }}
    {{- touched_only('ticket_id') }}
),

events as (
    select * from {{ ref('stg_helpdesk__ticket_events') }}
    {{- touched_only('ticket_id') }}
),

tickets as (
    select
        clock.ticket_id,
        clock.created_at,
        clock.resolved_at,
        clock.closed_at,
        clock.last_reopen_at,
        clock.team_id,
        clock.agent_id,
        clock.product,
        clock.channel,
        clock.priority,
        cast(clock.complexity_tier as {{ tsq.type_text() }}) as complexity_tier,
        clock.complexity_tier as complexity_tier_number,
        clock.category,
        clock.status,
        clock.resolved_working_days_through,
        clock.as_of_working_days_through
    from clock
),

confirmations as (
    -- a confirmation of the resolution that stuck: after the last reopen, by closure
    select tickets.ticket_id, count(*) as confirmation_count
    from tickets
    inner join events
        on events.ticket_id = tickets.ticket_id
        and events.event_type = 'confirmation'
        and events.event_at <= tickets.closed_at
        and events.event_at >= coalesce(tickets.last_reopen_at, tickets.created_at)
    group by tickets.ticket_id
),

first_callbacks as (
    -- the first callback after the final resolution
    select tickets.ticket_id, tickets.team_id, min(events.event_at) as first_callback_at
    from tickets
    inner join events
        on events.ticket_id = tickets.ticket_id
        and events.event_type = 'callback'
        and events.event_at >= tickets.resolved_at
    group by tickets.ticket_id, tickets.team_id
),

callback_readings as (
    -- the callback's day on the owning team's working-day count
    {{ read_business_clock('first_callbacks', 'team_id', 'first_callback_at') }}
),

callback_days as (
    select
        ticket_id,
        first_callback_at,
        working_days_through as callback_working_days_through
    from callback_readings
),

qa as (
    select
        ticket_id,
        count(*) as qa_review_count,
        avg(documentation_score) as qa_documentation_score
    from {{ ref('stg_helpdesk__qa_reviews') }}
    {{ touched_only('ticket_id') }}
    group by ticket_id
),

record as (
    select
        ticket_id,
        nullif(trim(symptom), '') is not null
        and nullif(trim(root_cause), '') is not null
        and nullif(trim(resolution_summary), '') is not null
        and nullif(trim(category), '') is not null
        and nullif(trim(closure_code), '') is not null as record_complete
    from {{ ref('stg_helpdesk__tickets') }}
    {{ touched_only('ticket_id') }}
),

kb_contributions as (
    -- an article created or updated from the ticket by its handler (a link naming no
    -- agent is credited to the handler)
    select tickets.ticket_id, count(distinct links.article_id) as kb_articles_contributed
    from tickets
    inner join {{ ref('stg_helpdesk__kb_links') }} as links
        on links.ticket_id = tickets.ticket_id
        and links.link_type in ('created', 'updated')
        and (links.agent_id is null or links.agent_id = tickets.agent_id)
    group by tickets.ticket_id
)

select
    tickets.ticket_id,
    tickets.created_at,
    tickets.resolved_at,
    tickets.closed_at,
    tickets.team_id,
    tickets.agent_id,
    tickets.product,
    tickets.channel,
    tickets.priority,
    tickets.complexity_tier,
    tickets.category,
    tickets.status,
    case when tickets.closed_at is not null then coalesce(confirmations.confirmation_count, 0) > 0 end
        as confirmed_before_closure,
    tickets.resolved_at is not null
        and (tickets.priority in ('P1', 'P2') or tickets.complexity_tier_number = 3) as callback_due,
    callback_days.first_callback_at,
    callback_days.callback_working_days_through - tickets.resolved_working_days_through
        as callback_working_days_after,
    case
        when tickets.resolved_at is null
          or not (tickets.priority in ('P1', 'P2') or tickets.complexity_tier_number = 3) then null
        when callback_days.callback_working_days_through - tickets.resolved_working_days_through
            <= {{ callback_days }} then true
        -- no callback in time, and the window has passed by the as-of instant: a miss
        when tickets.as_of_working_days_through - tickets.resolved_working_days_through
            > {{ callback_days }} then false
    end as callback_in_time,
    coalesce(record.record_complete, false) as record_complete,
    coalesce(qa.qa_review_count, 0) as qa_review_count,
    qa.qa_documentation_score,
    coalesce(kb_contributions.kb_articles_contributed, 0) as kb_articles_contributed,
    coalesce(kb_contributions.kb_articles_contributed, 0) > 0 as kb_contributed
from tickets
left join confirmations on confirmations.ticket_id = tickets.ticket_id
left join callback_days on callback_days.ticket_id = tickets.ticket_id
left join record on record.ticket_id = tickets.ticket_id
left join qa on qa.ticket_id = tickets.ticket_id
left join kb_contributions on kb_contributions.ticket_id = tickets.ticket_id
