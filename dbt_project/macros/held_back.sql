{#-
    Rows held back: accepted at load (every row rule held), but naming a ticket or team
    staging does not know (yet), or an event dated before its ticket was created. They
    are left out of staging, listed with their reason in int_held_back_rows, and taken up
    by the first run in which their ticket or team arrives; they never block a run
    (docs/DECISIONLOG.md, "Rows that need another entity are held back, not blocking").

    Each base_helpdesk__* model of such an entity is one call of held_back_base, which
    computes `_held_back_reason` (NULL for a usable row); its stg_helpdesk__* view keeps
    the NULL ones (usable_rows).
-#}

{% macro held_back_base(entity, key_columns, typed_columns, held_back_by, extra_reason=none, keep_loaded_at=false) -%}
    {#- The base model of an entity whose rows need another entity: the latest row of each
        key of raw.<entity> (latest_row_per_key), read as `typed_columns` (the model's
        contract_columns(entity, ...) call, so its overrides stay in the model), then the
        loader's lineage columns, then `_held_back_reason`.

        held_back_by: 'ticket' (left join of base_helpdesk__tickets as `ticket`; reasons of
            held_back_by_ticket) or 'team' (left join of stg_helpdesk__teams as `team`;
            reasons of held_back_by_team).
        extra_reason: a further SQL reason (a CASE giving the reason text, NULL when the
            row is fine), over `typed` (the row) and the joined `ticket` or `team`; it
            applies only when the join's own reason does not.
        keep_loaded_at: also keep `_loaded_at` after `_load_id` (only a model read by
            something that dates a row by its load needs it).

        Column order is the contract's, `_source_file, _source_row, _load_id[, _loaded_at]`,
        `_held_back_reason`: models downstream and their unit tests depend on it. -#}
    {%- set joins = {
        'ticket': ('base_helpdesk__tickets', 'ticket_id'),
        'team': ('stg_helpdesk__teams', 'team_id'),
    } -%}
    {%- if held_back_by not in joins -%}
        {{ exceptions.raise_compiler_error(
            "held_back_base: held_back_by must be 'ticket' or 'team', not '" ~ held_back_by ~ "'") }}
    {%- endif -%}
    {%- set joined_model, join_key = joins[held_back_by] -%}
    {%- set own_reason = held_back_by_ticket('ticket') if held_back_by == 'ticket'
        else held_back_by_team('team') -%}
    {%- set reason -%}
    {% if extra_reason is none -%}
    {{ own_reason }}
    {%- else -%}
    coalesce(
        {{ own_reason }},
        {{ extra_reason }}
    )
    {%- endif %}
    {%- endset -%}
    {#- Incremental (docs/DECISIONLOG.md, "Staging base models are incremental"): a run
        recomputes only the keys that rows of loads this table has not seen bring, and
        re-judges every stored row's _held_back_reason against the joined entity as it is
        now, rewriting only the rows whose reason changed. That is identical to a full
        build only while raw.<entity> grew by whole new loads since the last build: the
        runner (orchestration/transform/incremental.py) passes --full-refresh whenever
        rows went (retraction, a ticket's quarantine cascade), came back under an old
        load (quarantine release), or the project changed. -#}
    {{ config(
        materialized=tsq.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=key_columns,
        on_schema_change='fail',
    ) }}
{%- if is_incremental() %}
with unseen_keys as (
    -- keys brought by a load whose rows this table does not hold yet. A load every row
    -- of which a later load restated is never held, so its keys come back each run:
    -- recomputed from all their raw rows, they come out the same (only time is lost).
    select distinct {{ key_columns | join(', ') }}
    from {{ source('raw', entity) }}
    where _load_id not in (select distinct _load_id from {{ this }})
),

latest as (
    {{ tsq.latest_row_of_keys(source('raw', entity), 'unseen_keys', key_columns) }}
),
{%- else %}
with latest as (
    {{ latest_row_per_key(source('raw', entity), key_columns) }}
),
{%- endif %}

typed as (
    select
        {{ typed_columns }},
        _source_file,
        _source_row,
        _load_id
        {%- if keep_loaded_at %},
        _loaded_at
        {%- endif %}
    from latest
)

select
    typed.*,
    {{ reason }} as _held_back_reason
from typed
left join {{ ref(joined_model) }} as {{ held_back_by }} on {{ held_back_by }}.{{ join_key }} = typed.{{ join_key }}
{%- if is_incremental() %}

union all

-- rows already held whose reason changed: their ticket or team arrived, went, changed
-- its created_at or its own held-back state
select
    {{ tsq.star_except(this, ['_held_back_reason'], alias='typed') }},
    {{ reason }} as _held_back_reason
from {{ this }} as typed
left join {{ ref(joined_model) }} as {{ held_back_by }} on {{ held_back_by }}.{{ join_key }} = typed.{{ join_key }}
where not exists (
    select 1 from unseen_keys
    where {% for key in key_columns %}unseen_keys.{{ key }} = typed.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
)
    and {{ reason }} is distinct from typed._held_back_reason
{%- endif %}
{%- endmacro %}

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
    select {{ tsq.star_except(ref(base_model), ['_held_back_reason']) }}
    from {{ ref(base_model) }}
    where _held_back_reason is null
{%- endmacro %}
