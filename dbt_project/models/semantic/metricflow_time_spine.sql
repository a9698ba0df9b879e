{#- MetricFlow's time spine: one row per day, wide enough for any helpdesk history. -#}
select days.day as date_day
from {{ tsq.day_series("date '2000-01-01'", "date '2051-01-01'") }} as days
