{#- The semantic layer's base: each indicator's daily numerator and denominator at every
    scope. Every unit an indicator counts is anchored to one day, so summing days gives
    exactly the week, month or quarter ratio the pipeline publishes (for the indicators
    that are ratios; others have no numerator and are left out). MetricFlow does the time
    roll-up; nothing here re-derives an indicator. -#}
select
    period_start as indicator_day,
    period_complete,
    scope_type,
    scope_id,
    indicator_id,
    numerator,
    denominator,
    sample_size
from {{ ref('indicator_values') }}
where period_grain = 'day' and numerator is not null and denominator is not null
