{#- What the loaded sources provide: one row per entity (any row loaded), per
    entity.column (any non-empty value) and per ticket_events:<event_type> (a source
    records that event type at all). An indicator whose catalogue `source_fields` names
    something not provided is published as "no data" with that as the reason, never as a
    0 computed from nothing.

    An empty or blank cell counts as absent, like NULL. The loader already stores empty
    cells as NULL (NULLIF(TRIM(...), '') in orchestration/ingest/readers.py), and the
    ServiceNow adapter maps its '?' placeholder to NULL; the trim here keeps coverage
    right for raw rows written any other way.

    One select per raw table (tsq.provided_terms: on DuckDB and PostgreSQL each term an
    EXISTS that stops at the first row giving it, on Spark one aggregate per table; the
    macro says why).
-#}
{% set entities = ['tickets', 'ticket_events', 'surveys', 'qa_reviews', 'complaints', 'kb_articles',
                   'kb_links', 'agents', 'teams', 'mystery_shops', 'process_audits',
                   'improvement_actions', 'holiday_calendars'] %}
{% for entity in entities %}
{%- set relation = source('raw', entity) -%}
{%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
{%- set contract_columns = [] -%}
{%- for column in columns if not column.name.startswith('_') %}{% do contract_columns.append(column) %}{% endfor -%}
{{ tsq.provided_terms(entity, relation, contract_columns) }}
union all
{% endfor %}
-- lifecycle event types a source records at all (ticket_events:<event_type>), spelt as
-- staging spells them (lower case)
select 'ticket_events:' || lower(trim(event_type)), true
from {{ source('raw', 'ticket_events') }}
where nullif(trim(event_type), '') is not null
group by lower(trim(event_type))
