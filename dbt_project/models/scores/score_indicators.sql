{#- Every catalogue indicator for every period and scope that has any data, scored 0-100
    against its target and floor. An indicator with no data, or below its minimum
    sample, keeps its value (if any) but gets a NULL score and says why - never 0. -#}
with values_ as (
    select * from {{ ref('ind_indicator_values') }}
),

catalog as (
    select * from {{ ref('seed_indicator_catalog') }}
),

scopes as (
    select distinct period_grain, period_start, scope_type, scope_id from values_
),

grid as (
    select scopes.*, catalog.indicator_id
    from scopes
    cross join catalog
),

joined as (
    select
        grid.period_grain,
        grid.period_start,
        grid.scope_type,
        grid.scope_id,
        grid.indicator_id,
        values_.value,
        values_.numerator,
        values_.denominator,
        coalesce(values_.sample_size, 0) as sample_size,
        values_.ci_low,
        values_.ci_high,
        catalog.min_sample,
        catalog.direction,
        catalog.target,
        catalog.floor,
        catalog.band_low,
        catalog.band_high,
        catalog.ceiling,
        case
            when values_.value is null then 'no_data'
            when values_.sample_size < catalog.min_sample then 'below_min_sample'
            else 'scored'
        end as score_status
    from grid
    inner join catalog on catalog.indicator_id = grid.indicator_id
    left join values_
        on values_.period_grain = grid.period_grain
        and values_.period_start = grid.period_start
        and values_.scope_type = grid.scope_type
        and values_.scope_id = grid.scope_id
        and values_.indicator_id = grid.indicator_id
)

select
    *,
    -- clipped to [0, 100]; rounded to 4 decimals so equal inputs give equal scores.
    -- (The outer CASE matters: greatest/least skip NULLs, so they would turn "no
    -- score" into 100.)
    case when score_status = 'scored' then round(greatest(0.0, least(100.0, case
        -- a band: 100 inside [band_low, band_high], falling linearly to 0 at floor below
        -- and at ceiling above (too few and too many escalations both lose)
        when direction = 'band' then case
            when value < band_low then 100.0 * (value - floor) / (band_low - floor)
            when value > band_high then 100.0 * (ceiling - value) / (ceiling - band_high)
            else 100.0
        end
        -- linear between floor (0) and target (100); serves both directions because a
        -- lower-is-better indicator has its target below its floor
        else 100.0 * (value - floor) / (target - floor)
    end)), 4) end as score
from joined
