with latest as (
    {{ latest_row_per_key(source('raw', 'teams'), ['team_id']) }}
)

select
    team_id,
    name as team_name,
    timezone,
    cast(work_start as time) as work_start,
    cast(work_end as time) as work_end,
    (extract(hour from cast(work_end as time)) * 60 + extract(minute from cast(work_end as time)))
        - (extract(hour from cast(work_start as time)) * 60 + extract(minute from cast(work_start as time)))
        as working_day_minutes,
    work_days,
    upper(calendar_id) as calendar_id
from latest
