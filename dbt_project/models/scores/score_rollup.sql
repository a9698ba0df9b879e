{#- Sub-dimension, dimension and overall scores per period and scope, with coverage,
    grade, rank among peers of the same scope type, and change against the previous
    period of the same grain.

    A score is published whenever something under it was scored, but it is only graded,
    ranked and compared (grade_status = 'graded') when it is measured well enough to mean
    something: its coverage is at or above the floor (var tsq_coverage_floor) and its
    period is complete. Peers are ranked among graded nodes only, and a score_change
    needs this period and the adjacent previous one both graded.

    Built by period (macros/by_period.sql): a period's rows depend on its indicator
    scores and, through score_change, on those of the period before it; its fingerprint
    covers both, and a build reads the previous period of each period it computes. -#}
{{ by_period_config() }}
{%- set by_period = rollup_by_period() -%}
{#- the start of the period just before a period of its grain -#}
{%- set previous_start -%}
cast(current_periods.period_start - case current_periods.period_grain
    when 'day' then {{ tsq.interval(1, 'day') }}
    when 'week' then {{ tsq.interval(7, 'day') }}
    when 'month' then {{ tsq.interval(1, 'month') }}
    when 'quarter' then {{ tsq.interval(3, 'month') }}
end as date)
{%- endset %}
-- the columns a period's rows are computed from, and so all its fingerprint covers
with scored_indicators as (
    select period_grain, period_start, period_complete, scope_type, scope_id, indicator_id, score
    from {{ ref('score_indicators') }}
),

-- each current period's own indicator scores, summed up in a fingerprint
period_checksums as (
    select
        period_grain,
        period_start,
        period_complete
        {%- if by_period %},
        {{ rows_fingerprint(tsq.unit_row_hash('scored_indicators')) }} as fingerprint
        {%- endif %}
    from scored_indicators
    group by period_grain, period_start, period_complete
),

-- every current period, with its fingerprint: its own indicator scores' and the
-- previous period's
all_periods as (
    select
        current_periods.period_grain,
        current_periods.period_start,
        current_periods.period_complete,
        {{ previous_start }} as adjacent_previous_start,
        {%- if by_period %}
        current_periods.fingerprint || '/' || coalesce(previous_periods.fingerprint, '')
            as period_fingerprint
        {%- else %}
        cast(null as {{ tsq.type_text() }}) as period_fingerprint
        {%- endif %}
    from period_checksums as current_periods
    {%- if by_period %}
    left join period_checksums as previous_periods
        on previous_periods.period_grain = current_periods.period_grain
        and previous_periods.period_start = {{ previous_start }}
    {%- endif %}
),

-- the periods this build computes: all of them, or those whose fingerprint changed
built_periods as (
    {%- if by_period %}
    {{ periods_to_build('all_periods') }}
    {%- else %}
    select period_grain, period_start, period_fingerprint from all_periods
    {%- endif %}
),

-- what the built periods are computed from: their indicator scores and their previous
-- periods' (score_change)
read_periods as (
    select period_grain, period_start from built_periods
    union
    select all_periods.period_grain, all_periods.adjacent_previous_start
    from all_periods
    inner join built_periods
        on built_periods.period_grain = all_periods.period_grain
        and built_periods.period_start = all_periods.period_start
),

indicator_scores as (
    select
        scored_indicators.period_grain,
        scored_indicators.period_start,
        scored_indicators.scope_type,
        scored_indicators.scope_id,
        scored_indicators.indicator_id as node_id,
        scored_indicators.score,
        case when scored_indicators.score is not null then 1.0 else 0.0 end as coverage,
        case when scored_indicators.score is not null then 1 else 0 end as indicators_scored,
        1 as indicators_total
    from scored_indicators
    inner join read_periods
        on read_periods.period_grain = scored_indicators.period_grain
        and read_periods.period_start = scored_indicators.period_start
),

scopes as (
    select distinct period_grain, period_start, scope_type, scope_id from indicator_scores
    {{- period_marker_scopes('all_periods') }}
),

periods as (
    select
        period_grain, period_start, period_complete, adjacent_previous_start, period_fingerprint
    from all_periods
),

subdimension_rollup as (
    {{ weighted_rollup('indicator_scores', 'indicator', 'subdimension') }}
),

-- every sub-dimension of the framework, also those with no indicator computed yet
subdimensions as (
    select
        scopes.*,
        'subdimension' as level,
        weights.node_id,
        rollup_.score,
        coalesce(rollup_.coverage, 0.0) as coverage,
        coalesce(rollup_.indicators_scored, 0) as indicators_scored,
        coalesce(rollup_.indicators_total, 0) as indicators_total
    from scopes
    cross join {{ ref('scoring_weights') }} as weights
    left join subdimension_rollup as rollup_
        on rollup_.period_grain = scopes.period_grain
        and rollup_.period_start = scopes.period_start
        and rollup_.scope_type = scopes.scope_type
        and rollup_.scope_id = scopes.scope_id
        and rollup_.node_id = weights.node_id
    where weights.level = 'subdimension'
),

dimensions as (
    {{ weighted_rollup('subdimensions', 'subdimension', 'dimension') }}
),

overall as (
    {{ weighted_rollup('dimensions', 'dimension', 'overall') }}
),

all_levels as (
    select * from subdimensions
    union all
    select * from dimensions
    union all
    select * from overall
),

judged as (
    select
        all_levels.*,
        periods.period_complete,
        periods.adjacent_previous_start,
        periods.period_fingerprint,
        cast({{ var('tsq_coverage_floor') }} as {{ tsq.type_double() }}) as coverage_floor,
        all_levels.coverage >= cast({{ var('tsq_coverage_floor') }} as {{ tsq.type_double() }}) as coverage_sufficient,
        case
            when all_levels.score is null then 'not_scored'
            when not periods.period_complete then 'period_incomplete'
            when all_levels.coverage < cast({{ var('tsq_coverage_floor') }} as {{ tsq.type_double() }})
                then 'insufficient_coverage'
            else 'graded'
        end as grade_status
    from all_levels
    inner join periods
        on periods.period_grain = all_levels.period_grain
        and periods.period_start = all_levels.period_start
),

ranked as (
    select
        *,
        case when grade_status = 'graded' then case
            {% for grade, lowest in var('tsq_grade_bands') %}
            when score >= {{ lowest }} then '{{ grade }}'
            {% endfor %}
            else 'D'
        end end as grade,
        -- bigint on every engine (Spark's rank() is a 32-bit int; the contract says bigint)
        case when grade_status = 'graded' then cast(rank() over (
            partition by period_grain, period_start, scope_type, level, node_id, grade_status
            order by score desc
        ) as bigint) end as rank_in_scope,
        count(case when grade_status = 'graded' then 1 end) over (
            partition by period_grain, period_start, scope_type, level, node_id
        ) as peers_ranked,
        lag(period_start) over (
            partition by period_grain, scope_type, scope_id, level, node_id order by period_start
        ) as previous_period_start,
        lag(score) over (
            partition by period_grain, scope_type, scope_id, level, node_id order by period_start
        ) as previous_score,
        lag(grade_status) over (
            partition by period_grain, scope_type, scope_id, level, node_id order by period_start
        ) as previous_grade_status
    from judged
)

select
    period_grain,
    period_start,
    period_complete,
    scope_type,
    scope_id,
    level,
    node_id,
    score,
    grade,
    grade_status,
    coverage,
    coverage_floor,
    coverage_sufficient,
    indicators_scored,
    indicators_total,
    rank_in_scope,
    peers_ranked,
    -- only an adjacent previous period, itself graded, is compared against
    case
        when grade_status = 'graded'
            and previous_grade_status = 'graded'
            and previous_period_start = adjacent_previous_start
        then score - previous_score
    end as score_change,
    period_fingerprint
from ranked
{%- if by_period %}
-- the periods read only as a built period's previous one are not rebuilt
where {{ period_marker() }}
    or exists (
        select 1 from built_periods
        where built_periods.period_grain = ranked.period_grain
          and built_periods.period_start = ranked.period_start
    )
{%- endif %}
