with latest as (
    {{ latest_row_per_key(source('raw', 'teams'), ['team_id']) }}
)

select
    {{ contract_columns('teams', aliases={'name': 'team_name'}, overrides={
        'work_start': tsq.time_of_day('work_start'),
        'work_end': tsq.time_of_day('work_end'),
        'calendar_id': 'upper(calendar_id)',
    }) }},
    {{ tsq.minute_of_day('work_end') }}
        - {{ tsq.minute_of_day('work_start') }}
        as working_day_minutes
from latest
