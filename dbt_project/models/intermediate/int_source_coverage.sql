{#- What the loaded sources provide: one row per entity (any row loaded), per
    entity.column (any non-empty value) and per ticket_events:<event_type> (a source
    records that event type at all). An indicator whose catalogue `source_fields` names
    something not provided is published as "no data" with that as the reason, never as a
    0 computed from nothing.

    An empty or blank cell counts as absent, like NULL. The loader already stores empty
    cells as NULL (NULLIF(TRIM(...), '') in orchestration/ingest/readers.py), and the
    ServiceNow adapter maps its '?' placeholder to NULL; the trim here keeps coverage
    right for raw rows written any other way.

    One select per raw table, and each term an EXISTS that stops at the first row giving
    it: a provided column is usually settled by the first rows read, where a count per
    column reads every value (docs/performance.md compares the two). Only a column that
    is absent or blank everywhere is read to the end.
-#}
{% set entities = ['tickets', 'ticket_events', 'surveys', 'qa_reviews', 'complaints', 'kb_articles',
                   'kb_links', 'agents', 'teams', 'mystery_shops', 'process_audits',
                   'improvement_actions', 'holiday_calendars'] %}
{% for entity in entities %}
{%- set relation = source('raw', entity) -%}
{%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
{%- set contract_columns = [] -%}
{%- for column in columns if not column.name.startswith('_') %}{% do contract_columns.append(column) %}{% endfor -%}
    {%- set terms = ["'" ~ entity ~ "'"] -%}
    {%- set provided = ['exists (select 1 from ' ~ relation ~ ')'] -%}
    {%- for column in contract_columns -%}
        {%- do terms.append("'" ~ entity ~ '.' ~ column.name ~ "'") -%}
        {%- do provided.append('exists (\n            select 1 from ' ~ relation ~ '\n            where trim(cast('
            ~ adapter.quote(column.name) ~ ' as ' ~ tsq.type_text() ~ ')) <> \'\'\n        )') -%}
    {%- endfor %}
{{ tsq.select_unnest_pairs(terms, provided, 'term', 'provided') }}
union all
{% endfor %}
-- lifecycle event types a source records at all (ticket_events:<event_type>), spelt as
-- staging spells them (lower case)
select 'ticket_events:' || lower(trim(event_type)), true
from {{ source('raw', 'ticket_events') }}
where nullif(trim(event_type), '') is not null
group by lower(trim(event_type))
