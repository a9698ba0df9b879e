-- raw.surveys: the latest row of each key, typed, with `_held_back_reason` (NULL for a
-- usable row; macros/held_back.sql); stg_helpdesk__surveys keeps the usable rows.
-- A survey is held back while its ticket is unknown or held back.
{{ held_back_base(
    'surveys',
    key_columns=['survey_id'],
    typed_columns=contract_columns('surveys'),
    held_back_by='ticket',
) }}
