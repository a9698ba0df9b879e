-- raw.ticket_events: the latest row of each key, typed, with `_held_back_reason` (NULL for
-- a usable row; macros/held_back.sql); stg_helpdesk__ticket_events keeps the usable rows.
-- An event is held back while its ticket is unknown or held back, and also when it is
-- dated before its ticket was created (clock skew between two systems: we do not guess
-- which clock is right; docs/DECISIONLOG.md, "Rows that need another entity are held
-- back, not blocking").
{{ held_back_base(
    'ticket_events',
    key_columns=['event_id'],
    typed_columns=contract_columns('ticket_events'),
    held_back_by='ticket',
    extra_reason="case when typed.event_at < ticket.created_at then 'before its ticket was created' end",
) }}
