{#- The shipped seed (China, with adjusted working days) plus calendars from the inbox;
    an inbox row overrides the seed for the same calendar and day. -#}
with inbox as (
    {{ latest_row_per_key(source('raw', 'holiday_calendars'), ['calendar_id', 'calendar_date']) }}
),

from_inbox as (
    select
        {{ contract_columns('holiday_calendars', overrides={'calendar_id': 'upper(calendar_id)'}) }},
        'inbox' as calendar_source
    from inbox
),

from_seed as (
    select
        upper(calendar_id) as calendar_id,
        cast(calendar_date as date) as calendar_date,
        day_type,
        holiday_name,
        'seed' as calendar_source
    from {{ ref('holiday_calendar_days') }} as seed
    where not exists (
        select 1 from from_inbox
        where from_inbox.calendar_id = upper(seed.calendar_id)
          and from_inbox.calendar_date = cast(seed.calendar_date as date)
    )
)

select * from from_inbox
union all
select * from from_seed
