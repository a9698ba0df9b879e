-- raw.tickets: the latest row of each key, typed, with the reason it is held back
-- (NULL for a usable row; macros/held_back.sql); stg_helpdesk__tickets keeps the
-- usable rows.
with latest as (
    {{ latest_row_per_key(source('raw', 'tickets'), ['ticket_id']) }}
),

typed as (
    select
        {{ contract_columns('tickets', overrides={'product': "coalesce(product, 'unknown')"}) }},
        _source_file,
        _source_row,
        _load_id,
        _loaded_at
    from latest
)

select
    typed.*,
    {{ held_back_by_team('team') }} as _held_back_reason
from typed
left join {{ ref('stg_helpdesk__teams') }} as team on team.team_id = typed.team_id
