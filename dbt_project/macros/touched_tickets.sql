{#-
    Per-ticket facts rebuilt only for the tickets a run touched (issue 15; the decision is
    docs/DECISIONLOG.md, "Per-ticket facts are incremental by ticket").

    int_touched_tickets keeps, per ticket, a fingerprint of everything its facts are
    computed from, and the dbt invocation that last saw that fingerprint change. The
    tickets touched by this run are its rows stamped with this invocation's id. Each
    per-ticket model (int_ticket_*, fct_tickets) is an incremental model configured with
    per_ticket_incremental(): before an incremental build, the rows of every touched
    ticket are deleted (a pre-hook), then the model's own SQL, narrowed to the touched
    tickets by touched_only(), appends their rows again. On a full refresh neither does
    anything and the model's SQL is exactly its full build.

    Deleting by the touched set, not by the rows the build makes (dbt's delete+insert),
    matters: a touched ticket may now have no row in a model (its only escalation event
    was restated as another type, it is held back now), and its old rows must go.
-#}

{% macro per_ticket_incremental() -%}
    {#- tsq.incremental_materialization(): a table on Spark, which has no delete (its
        full build's SQL then runs every time) -#}
    {{ config(
        materialized=tsq.incremental_materialization(),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_touched_tickets() }}",
    ) }}
{%- endmacro %}

{% macro touched_tickets_relation() -%}
    {#- the ref is taken whatever the mode, so dbt always orders the model after
        int_touched_tickets (a ref only inside `if is_incremental()` is not seen at parse) -#}
    {{ return(ref('int_touched_tickets')) }}
{%- endmacro %}

{% macro touched_tickets_selected() -%}
    {#- whether this invocation builds int_touched_tickets: its stamps name this
        invocation only then. A per-ticket model selected without it (`dbt run -s
        fct_tickets`, a subset picked in the UI) must not trust them. -#}
    {{ return(('model.' ~ project_name ~ '.int_touched_tickets') in selected_resources) }}
{%- endmacro %}

{% macro incremental_build() -%}
    {#- an incremental build narrowed to the touched tickets: is_incremental() while
        int_touched_tickets is built in the same invocation; false in a dbt unit test,
        where `this` is None (a unit test of these models is a full build over its
        fixtures), and false when the touched set is not built with the model, which then
        rebuilds all its rows (delete_touched_tickets deletes them all) -#}
    {{ return(this is not none and is_incremental() and touched_tickets_selected()) }}
{%- endmacro %}

{% macro touched_ticket_ids() -%}
    select ticket_id from {{ touched_tickets_relation() }}
    where touched_in = '{{ invocation_id }}'
{%- endmacro %}

{% macro touched_only(column, keyword='where') -%}
    {#- `<keyword> <column> in (the touched tickets)` in an incremental build, nothing in a
        full one. keyword: 'where' to open a filter, 'and' to add to one. -#}
    {%- set touched = touched_tickets_relation() -%}
    {%- if incremental_build() %}
    {{ keyword }} {{ column }} in ({{ touched_ticket_ids() }})
    {%- endif -%}
{%- endmacro %}

{% macro delete_touched_tickets() -%}
    {%- set touched = touched_tickets_relation() -%}
    {%- if incremental_build() -%}
    delete from {{ this }} where ticket_id in ({{ touched_ticket_ids() }})
    {%- elif this is not none and is_incremental() -%}
    {#- selected without the touched set: the model's full SQL appends every row again -#}
    delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- row_lineage_hash and order_free_checksum, the fingerprint's engine-specific pieces,
    are in macros/portability/fingerprints.sql. -#}

{#- The tickets whose stored per-ticket rows may change when the as-of instant moves
    forward from `previous`.as_of_at (a CTE with one row, the previous build's instant),
    read off the stored rows of that build. Why this set is complete, model by model:
    docs/DECISIONLOG.md, "A moved as-of instant touches only the tickets still open to it".
    Each stored relation is found through dbt's graph, not ref(): they are built after
    int_touched_tickets and read here as they were left by the previous build, like
    {{ this }}. A relation not found (never built) means every ticket. -#}
{% macro as_of_dependent_tickets(previous) -%}
    {%- set stored = {} -%}
    {%- for name in ['fct_tickets_stored', 'int_ticket_pending_intervals',
                     'int_ticket_workaround_outcomes_stored', 'int_ticket_follow_up',
                     'int_ticket_escalations', 'int_ticket_resolution_outcomes'] -%}
        {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ name) -%}
        {%- set relation = none if node is none else adapter.get_relation(
            database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- do stored.update({name: relation}) -%}
    {%- endfor -%}
    {%- if none in stored.values() %}
    -- a per-ticket relation is missing: every ticket
    select ticket_id from {{ ref('stg_helpdesk__tickets') }}
    {%- else %}
    -- open (resolution, proactive-update days, open age: int_ticket_business_clock,
    -- int_ticket_proactive_days, fct_tickets), or no first response and its target not
    -- yet passed (fct_tickets.first_response_sla_met)
    select ticket_id from {{ stored['fct_tickets_stored'] }}
    where resolved_at is null or (first_response_at is null and first_response_sla_met is null)
    union
    -- a wait still pending runs to the as-of instant
    select ticket_id from {{ stored['int_ticket_pending_intervals'] }}
    where pending_ended_by = 'still_pending'
    union
    -- a workaround not decided yet (its watch may end, or a failure fall, after the instant)
    select ticket_id from {{ stored['int_ticket_workaround_outcomes_stored'] }}
    where held is null
    union
    -- a callback due and neither made in time nor missed yet
    select ticket_id from {{ stored['int_ticket_follow_up'] }}
    where callback_due and callback_in_time is null
    union
    -- an escalation neither taken up nor past its acceptance target yet
    select ticket_id from {{ stored['int_ticket_escalations'] }}
    where accepted_within_target is null
    union
    -- resolution not due yet (or no target: never decided)
    select ticket_id from {{ stored['int_ticket_resolution_outcomes'] }}
    where resolved_within_commitment is null
    union
    -- an instant at or after the previous as-of instant: a wait that started at it had
    -- no length then; a closure after it lay outside the teams' calendars, which grow
    -- with the instant
    select tickets.ticket_id from {{ ref('stg_helpdesk__tickets') }} as tickets
    cross join {{ previous }} as previous_
    where tickets.closed_at >= previous_.as_of_at or tickets.created_at >= previous_.as_of_at
    union
    select events.ticket_id from {{ ref('stg_helpdesk__ticket_events') }} as events
    cross join {{ previous }} as previous_
    where events.event_at >= previous_.as_of_at
    {%- endif %}
{%- endmacro %}
