-- Under every parent the children's weights sum to 1 (the roll-up renormalises over
-- what is scored, but the configured weights themselves must be a distribution).
select parent_id, sum(weight) as total_weight
from {{ ref('scoring_weights') }}
where parent_id is not null
group by parent_id
having abs(sum(weight) - 1.0) > 1e-6
