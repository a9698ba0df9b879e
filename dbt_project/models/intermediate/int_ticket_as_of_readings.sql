{#- The as-of instant read off every team's business clock: one row per team. A ticket's
    as-of readings are its team's (the clock is the team's, not the ticket's), so the
    views int_ticket_business_clock and fct_tickets add them to the stored per-ticket rows
    by team instead of storing them in every ticket's row, where each moved as-of instant
    would rewrite every ticket (docs/DECISIONLOG.md, "As-of readings are read per team"). -#}
{{ config(materialized='table') }}
with teams as (
    select teams.team_id, window_.as_of_at
    from {{ ref('stg_helpdesk__teams') }} as teams
    cross join {{ ref('int_data_window') }} as window_
)

{{ read_business_clock_columns('teams', 'team_id', ['as_of_at']) }}
