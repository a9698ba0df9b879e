-- raw.qa_reviews: the latest row of each key, typed, with `_held_back_reason` (NULL for a
-- usable row; macros/held_back.sql); stg_helpdesk__qa_reviews keeps the usable rows.
-- A review is held back while its ticket is unknown or held back.
{{ held_back_base(
    'qa_reviews',
    key_columns=['review_id'],
    typed_columns=contract_columns('qa_reviews'),
    held_back_by='ticket',
) }}
