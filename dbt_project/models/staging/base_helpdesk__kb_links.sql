-- raw.kb_links: the latest row of each key, typed, with `_held_back_reason` (NULL for a
-- usable row; macros/held_back.sql); stg_helpdesk__kb_links keeps the usable rows.
-- A link is held back while its ticket is unknown or held back.
{{ held_back_base(
    'kb_links',
    key_columns=['ticket_id', 'article_id', 'link_type'],
    typed_columns=contract_columns('kb_links'),
    held_back_by='ticket',
) }}
