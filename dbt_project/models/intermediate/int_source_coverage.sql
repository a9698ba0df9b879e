{#- What the loaded sources provide: one row per entity (any row loaded) and per
    entity.column (any non-empty value). An indicator whose catalogue `source_entities`
    names something not provided is published as "no data" with that as the reason,
    never as a 0 computed from nothing. -#}
{% set entities = ['tickets', 'ticket_events', 'surveys', 'qa_reviews', 'complaints', 'kb_articles',
                   'kb_links', 'agents', 'teams', 'mystery_shops', 'process_audits',
                   'improvement_actions', 'holiday_calendars'] %}
{% for entity in entities %}
{%- set relation = source('raw', entity) -%}
{%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
select '{{ entity }}' as term, count(*) > 0 as provided from {{ relation }}
{%- for column in columns if not column.name.startswith('_') %}
union all
select '{{ entity }}.{{ column.name }}', count("{{ column.name }}") > 0 from {{ relation }}
{%- endfor %}
{% if not loop.last %}union all{% endif %}
{% endfor %}
union all
-- lifecycle event types a source records at all (ticket_events:<event_type>)
select 'ticket_events:' || event_type, true
from {{ source('raw', 'ticket_events') }}
where event_type is not null
group by event_type
