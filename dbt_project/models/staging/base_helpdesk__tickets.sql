-- raw.tickets: the latest row of each key, typed, with `_held_back_reason` (NULL for a
-- usable row; macros/held_back.sql); stg_helpdesk__tickets keeps the usable rows.
-- A ticket is held back while its team is unknown. A missing product reads as 'unknown'
-- (which the hygiene indicator counts as missing). `_loaded_at` is kept because
-- int_ticket_record_gates dates a ticket's recorded state by the load that brought it.
{{ held_back_base(
    'tickets',
    key_columns=['ticket_id'],
    typed_columns=contract_columns('tickets', overrides={'product': "coalesce(product, 'unknown')"}),
    held_back_by='team',
    keep_loaded_at=true,
) }}
