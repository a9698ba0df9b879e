with latest as (
    {{ latest_row_per_key(source('raw', 'teams'), ['team_id']) }}
)

select
    {{ contract_columns('teams', aliases={'name': 'team_name'}, overrides={
        'work_start': 'cast(work_start as time)',
        'work_end': 'cast(work_end as time)',
        'calendar_id': 'upper(calendar_id)',
    }) }},
    (extract(hour from cast(work_end as time)) * 60 + extract(minute from cast(work_end as time)))
        - (extract(hour from cast(work_start as time)) * 60 + extract(minute from cast(work_start as time)))
        as working_day_minutes
from latest
