{#- UX1 问题解决时长(分层), case-mix standardised: within each complexity tier, the median
    of (hours to resolution or an earlier workaround that held, on the ticket's SLA clock:
    business hours, or calendar hours for 24x7 priorities such as P1; waits on the
    customer not counted) / (the tier's target hours);
    then the tiers' medians are averaged with the organisation's tier mix of the same
    period as weights (direct standardisation). Two scopes with the same per-tier
    performance get the same value whatever their own mix of easy and hard tickets.
    1.0 means "on the tier's target". -#}
with per_tier as (
    {{ indicator_rollup(
        indicator_id='ux_resolution_hours_tiered',
        relation=ref('fct_tickets'),
        anchor_at='resolution_end_at',
        value=tsq.median('resolution_target_ratio'),
        sample_size='count(resolution_target_ratio)',
        where='resolution_target_ratio is not null',
        stratum='complexity_tier',
    ) }}
),

-- the standard population: how the whole organisation's tickets split across tiers
standard_mix as (
    select period_grain, period_start, stratum, sample_size as standard_weight
    from per_tier
    where scope_type = 'organisation'
)

select
    per_tier.period_grain,
    per_tier.period_start,
    per_tier.scope_type,
    per_tier.scope_id,
    per_tier.indicator_id,
    -- a scope without tickets of some tier is standardised over the tiers it has
    sum(per_tier.value * standard_mix.standard_weight) / sum(standard_mix.standard_weight)
        as value,
    cast(null as {{ tsq.type_double() }}) as numerator,
    cast(null as {{ tsq.type_double() }}) as denominator,
    cast(sum(per_tier.sample_size) as bigint) as sample_size,
    per_tier.period_fingerprint
from per_tier
inner join standard_mix
    on standard_mix.period_grain = per_tier.period_grain
    and standard_mix.period_start = per_tier.period_start
    and standard_mix.stratum = per_tier.stratum
group by 1, 2, 3, 4, 5, 10

union all

-- the roll-up's period markers (indicator_rollup)
select
    period_grain, period_start, scope_type, scope_id, indicator_id,
    value, numerator, denominator, sample_size, period_fingerprint
from per_tier
where {{ period_marker() }}
