{#- MetricFlow's time spine: one row per day, wide enough for any helpdesk history. -#}
select cast(range as date) as date_day
from range(date '2000-01-01', date '2051-01-01', interval 1 day)
