-- raw.kb_links: the latest row of each key, typed, with the reason it is held back
-- (NULL for a usable row; macros/held_back.sql); stg_helpdesk__kb_links keeps the
-- usable rows.
with latest as (
    {{ latest_row_per_key(source('raw', 'kb_links'), ['ticket_id', 'article_id', 'link_type']) }}
),

typed as (
    select
        {{ contract_columns('kb_links') }},
        _source_file,
        _source_row,
        _load_id
    from latest
)

select
    typed.*,
    {{ held_back_by_ticket('ticket') }} as _held_back_reason
from typed
left join {{ ref('base_helpdesk__tickets') }} as ticket on ticket.ticket_id = typed.ticket_id
