-- raw.mystery_shops: the latest row of each key, typed, with the reason it is held back
-- (NULL for a usable row; macros/held_back.sql); stg_helpdesk__mystery_shops keeps the
-- usable rows.
with latest as (
    {{ latest_row_per_key(source('raw', 'mystery_shops'), ['test_id']) }}
),

typed as (
    select
        {{ contract_columns('mystery_shops') }},
        _source_file,
        _source_row,
        _load_id
    from latest
)

select
    typed.*,
    {{ held_back_by_team('team') }} as _held_back_reason
from typed
left join {{ ref('stg_helpdesk__teams') }} as team on team.team_id = typed.team_id
