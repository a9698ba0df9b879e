{#- Generated from orchestration/contract.py by `tsq docs`; do not edit.

    contract_columns(entity, overrides={}, aliases={}, exclude=[]): the typed select
    list of a contract entity's columns, read from raw's text: a timestamp parsed to UTC
    (parse_utc_timestamp), an integer, number or date cast, a boolean true for
    'true', '1', 'yes', 't', 'y' (any case), a string as it is. `overrides` maps a column to the
    expression a model reads it with instead (a definitional choice, stated in the model);
    `aliases` renames an output column; `exclude` leaves columns out. -#}

{% macro contract_columns(entity, overrides={}, aliases={}, exclude=[]) -%}
    {%- set contract = {
        'tickets': [('ticket_id', 'string'), ('created_at', 'timestamp'), ('channel', 'string'), ('priority', 'string'), ('complexity_tier', 'integer'), ('category', 'string'), ('product', 'string'), ('team_id', 'string'), ('agent_id', 'string'), ('requester_id', 'string'), ('language', 'string'), ('subject', 'string'), ('status', 'string'), ('symptom', 'string'), ('root_cause', 'string'), ('resolution_summary', 'string'), ('closure_code', 'string'), ('closed_at', 'timestamp'), ('source_first_response_sla_met', 'boolean'), ('source_resolution_sla_met', 'boolean'), ('reassignment_count', 'integer'), ('reopen_count', 'integer')],
        'ticket_events': [('event_id', 'string'), ('ticket_id', 'string'), ('event_at', 'timestamp'), ('event_type', 'string'), ('actor_type', 'string'), ('agent_id', 'string'), ('team_id', 'string'), ('tier', 'integer'), ('from_status', 'string'), ('to_status', 'string'), ('tool', 'string'), ('body', 'string')],
        'surveys': [('survey_id', 'string'), ('ticket_id', 'string'), ('sent_at', 'timestamp'), ('responded_at', 'timestamp'), ('rating', 'integer'), ('comment', 'string')],
        'qa_reviews': [('review_id', 'string'), ('ticket_id', 'string'), ('agent_id', 'string'), ('reviewer_id', 'string'), ('reviewed_at', 'timestamp'), ('expertise_score', 'number'), ('language_score', 'number'), ('clarity_score', 'number'), ('attitude_score', 'number'), ('documentation_score', 'number'), ('comment', 'string')],
        'complaints': [('complaint_id', 'string'), ('ticket_id', 'string'), ('received_at', 'timestamp'), ('category', 'string'), ('resolved_at', 'timestamp'), ('description', 'string')],
        'kb_articles': [('article_id', 'string'), ('title', 'string'), ('author_agent_id', 'string'), ('product', 'string'), ('created_at', 'timestamp'), ('updated_at', 'timestamp'), ('last_reviewed_at', 'timestamp'), ('covers_release_at', 'timestamp'), ('status', 'string'), ('helpful_votes', 'integer'), ('unhelpful_votes', 'integer')],
        'kb_links': [('ticket_id', 'string'), ('article_id', 'string'), ('agent_id', 'string'), ('linked_at', 'timestamp'), ('link_type', 'string')],
        'agents': [('agent_id', 'string'), ('name', 'string'), ('team_id', 'string'), ('tier', 'integer'), ('skills', 'string'), ('active', 'boolean'), ('hired_at', 'date')],
        'teams': [('team_id', 'string'), ('name', 'string'), ('timezone', 'string'), ('work_start', 'string'), ('work_end', 'string'), ('work_days', 'string'), ('calendar_id', 'string')],
        'mystery_shops': [('test_id', 'string'), ('team_id', 'string'), ('agent_id', 'string'), ('channel', 'string'), ('tested_at', 'timestamp'), ('response_minutes', 'number'), ('technical_accuracy', 'number'), ('communication', 'number'), ('overall', 'number')],
        'process_audits': [('audit_id', 'string'), ('team_id', 'string'), ('ticket_id', 'string'), ('audited_at', 'timestamp'), ('process_step', 'string'), ('items_checked', 'integer'), ('items_compliant', 'integer')],
        'improvement_actions': [('action_id', 'string'), ('team_id', 'string'), ('kind', 'string'), ('title', 'string'), ('target_indicator_id', 'string'), ('opened_at', 'timestamp'), ('due_at', 'timestamp'), ('closed_at', 'timestamp')],
        'holiday_calendars': [('calendar_id', 'string'), ('calendar_date', 'date'), ('day_type', 'string'), ('holiday_name', 'string')],
        'source_assumptions': [('source', 'string'), ('assumption', 'string'), ('value', 'string'), ('origin', 'string')]
    } -%}
    {%- set kept = [] -%}
    {%- for name, type in contract[entity] if name not in exclude -%}
        {%- do kept.append((name, type)) -%}
    {%- endfor -%}
    {%- for name, type in kept %}
    {% if name in overrides -%}
        {{ overrides[name] }}
    {%- elif type == 'timestamp' -%}
        {{ parse_utc_timestamp(name) }}
    {%- elif type == 'integer' -%}
        {{ tsq.cast_or_null(name, 'integer') }}
    {%- elif type == 'number' -%}
        {{ tsq.cast_or_null(name, 'double') }}
    {%- elif type == 'date' -%}
        {{ tsq.cast_or_null(name, 'date') }}
    {%- elif type == 'boolean' -%}
        lower({{ name }}) in ('true', '1', 'yes', 't', 'y')
    {%- else -%}
        {{ name }}
    {%- endif %} as {{ aliases.get(name, name) }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
