select
    period_grain,
    period_start,
    period_complete,
    scope_type,
    scope_id,
    indicator_id,
    value,
    numerator,
    denominator,
    sample_size,
    ci_low,
    ci_high,
    min_sample,
    score,
    score_status,
    no_data_reason
from {{ ref('score_indicators') }}
