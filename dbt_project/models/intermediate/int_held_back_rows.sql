-- Every row held back from staging, with its reason: accepted at load, but naming a
-- ticket or team staging does not know (yet), or an event dated before its ticket was
-- created (macros/held_back.sql). `tsq quarantine` and the report list them beside the
-- quarantine; a later load that brings the ticket or team releases them.
{% set held_back = [
    ('tickets', "ticket_id"),
    ('ticket_events', "event_id"),
    ('surveys', "survey_id"),
    ('qa_reviews', "review_id"),
    ('kb_links', "ticket_id || ' / ' || article_id || ' / ' || link_type"),
    ('mystery_shops', "test_id"),
] %}

{% for entity, key in held_back %}
select
    '{{ entity }}' as entity,
    {{ key }} as row_key,
    'held back: ' || _held_back_reason as rule,
    _source_file as source_file,
    _source_row as source_row,
    _load_id as load_id
from {{ ref('base_helpdesk__' ~ entity) }}
where _held_back_reason is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
