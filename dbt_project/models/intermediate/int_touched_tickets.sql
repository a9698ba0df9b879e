{#- Per ticket: a fingerprint of every input its per-ticket facts (int_ticket_*,
    fct_tickets) are computed from, and the dbt invocation in which it last changed
    (`touched_in`). The tickets touched by a run are the rows stamped with its invocation
    id (macros/touched_tickets.sql); a full build stamps every ticket.

    The fingerprint: an order-free checksum of the hashes of the lineage (entity, load, file,
    row) of the ticket's inputs (row_lineage_hash, order_free_checksum in
    macros/touched_tickets.sql), then the window's first instant as text (the origin of
    every team calendar: a move touches every ticket).

    The as-of instant is not in the fingerprint: the stored per-ticket rows depend on it
    only for the tickets whose verdicts are still open at the previous build's instant
    (as_of_dependent_tickets, macros/touched_tickets.sql), and only those are touched
    when it moves forward; a move backwards touches every ticket. window_as_of_at is the
    instant of the build that last emitted the row.

    The inputs: the ticket's usable rows in the six staging models that carry a
    ticket_id (tickets, events, surveys, QA reviews, complaints, knowledge-base links),
    each known by its lineage (entity, load, file, row: the same raw row under the same
    project always reads the same), and the window's first instant. A row restated, a row
    added, a row released or newly held back, a moved first instant: the fingerprint
    changes. What the
    fingerprint does not cover is the organisation (teams, agents, calendars), the seeds,
    the vars and the models themselves: a change to any of them makes the whole build a
    full refresh (orchestration/transform/incremental.py).

    A ticket that has left staging (now held back) keeps a row with a NULL fingerprint, so
    that the run in which it left touches it and its facts are deleted. -#}
{{ config(
    materialized=tsq.incremental_materialization(),
    incremental_strategy='delete+insert',
    unique_key='ticket_id',
    on_schema_change='fail',
) }}
{%- set sources = [
    ('tickets', 'stg_helpdesk__tickets'),
    ('ticket_events', 'stg_helpdesk__ticket_events'),
    ('surveys', 'stg_helpdesk__surveys'),
    ('qa_reviews', 'stg_helpdesk__qa_reviews'),
    ('complaints', 'stg_helpdesk__complaints'),
    ('kb_links', 'stg_helpdesk__kb_links'),
] %}
with input_rows as (
    {%- for entity, model in sources %}
    select
        ticket_id,
        {{ tsq.row_lineage_hash(entity) }} as row_hash
    from {{ ref(model) }}
    where ticket_id is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

window_ as (
    select
        coalesce(cast(first_at as {{ dbt.type_string() }}), '') as first_at_text,
        as_of_at
    from {{ ref('int_data_window') }}
),

current_inputs as (
    select
        input_rows.ticket_id,
        {{ dbt.concat([
            tsq.order_free_checksum('input_rows.row_hash'),
            "'|'", 'window_.first_at_text'
        ]) }} as inputs_fingerprint,
        window_.as_of_at as window_as_of_at
    from input_rows
    cross join window_
    group by input_rows.ticket_id, window_.first_at_text, window_.as_of_at
)

{%- if is_incremental() %},

{#- the as-of instant of the previous build: every build writes the current one on the
    rows it emits, and a build whose instant moved emits at least the ticket that carries
    the new instant (its row is new), so the latest stored instant is the last build's -#}
previous as (
    select max(window_as_of_at) as as_of_at from {{ this }}
),

as_of_move as (
    select
        case
            when window_.as_of_at = previous.as_of_at then 'kept'
            when window_.as_of_at > previous.as_of_at then 'forward'
            -- backwards, or unknown: every ticket
            else 'other'
        end as move
    from window_
    cross join previous
),

as_of_dependent as (
    {{ as_of_dependent_tickets('previous') }}
)

select
    coalesce(current_inputs.ticket_id, stored.ticket_id) as ticket_id,
    current_inputs.inputs_fingerprint,
    current_inputs.window_as_of_at,
    '{{ invocation_id }}' as touched_in
from current_inputs
full outer join {{ this }} as stored on stored.ticket_id = current_inputs.ticket_id
cross join as_of_move
where current_inputs.inputs_fingerprint is distinct from stored.inputs_fingerprint
    or as_of_move.move = 'other'
    or (
        as_of_move.move = 'forward'
        and current_inputs.ticket_id in (select ticket_id from as_of_dependent)
    )
{%- else %}

select
    ticket_id,
    inputs_fingerprint,
    window_as_of_at,
    '{{ invocation_id }}' as touched_in
from current_inputs
{%- endif %}
