select
    period_grain,
    period_start,
    scope_type,
    scope_id,
    level,
    node_id,
    score,
    grade,
    coverage,
    indicators_scored,
    indicators_total,
    rank_in_scope as rank,
    peers_scored,
    score_change
from {{ ref('score_rollup') }}
