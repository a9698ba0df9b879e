{#- Every assessment of agents' expertise, one row each: QA reviews (expertise rubric,
    scope of the reviewed ticket) and mystery-shopper tests (technical accuracy, scope of
    the test). Each source keeps its own column so the indicator can blend their means. -#}
select
    'qa_review' as source,
    review_id as assessment_id,
    reviewed_at as assessed_at,
    team_id,
    agent_id,
    product,
    channel,
    priority,
    complexity_tier,
    expertise_score as qa_expertise_score,
    cast(null as {{ tsq.type_double() }}) as shop_technical_accuracy
from {{ ref('int_qa_review_rubrics') }}

union all

select
    'mystery_shop' as source,
    test_id as assessment_id,
    tested_at as assessed_at,
    team_id,
    agent_id,
    product,
    channel,
    priority,
    complexity_tier,
    cast(null as {{ tsq.type_double() }}) as qa_expertise_score,
    technical_accuracy as shop_technical_accuracy
from {{ ref('int_mystery_shop_scores') }}
