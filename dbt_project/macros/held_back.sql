{#-
    Rows held back: accepted at load (every row rule held), but naming a ticket or team
    staging does not know (yet), or an event dated before its ticket was created. They
    are left out of staging, listed with their reason in int_held_back_rows, and taken up
    by the first run in which their ticket or team arrives; they never block a run
    (docs/DECISIONLOG.md, "Rows that need another entity are held back, not blocking").

    Each base_helpdesk__* model of such an entity computes `_held_back_reason` with these
    macros (NULL for a usable row), and its stg_helpdesk__* view keeps the NULL ones.
-#}

{% macro held_back_by_ticket(ticket) -%}
    {#- the reason a row about one ticket is held back; `ticket` is a left join of
        base_helpdesk__tickets on the row's ticket_id -#}
    case
        when {{ ticket }}.ticket_id is null then 'unknown ticket'
        when {{ ticket }}._held_back_reason is not null then 'its ticket is held back'
    end
{%- endmacro %}

{% macro held_back_by_team(team) -%}
    {#- `team` is a left join of stg_helpdesk__teams on the row's team_id -#}
    case when {{ team }}.team_id is null then 'unknown team' end
{%- endmacro %}

{% macro usable_rows(base_model) -%}
    select * exclude (_held_back_reason)
    from {{ ref(base_model) }}
    where _held_back_reason is null
{%- endmacro %}
