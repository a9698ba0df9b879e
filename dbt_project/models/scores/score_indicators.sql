{#- Every catalogue indicator for every period and scope that has any data, scored 0-100
    against its target and floor. An indicator with no data, or below its minimum
    sample, keeps its value (if any) but gets a NULL score and says why - never 0.
    period_complete says whether the period had ended by the data's as-of instant; a
    running period is published (people want the month so far) but the roll-up never
    grades, ranks or compares it.

    Built by period (macros/by_period.sql): a period's rows depend on its indicator
    values, whether it is complete, and what the sources provide (unsupported, the
    same for every period); its fingerprint covers the three. -#}
{{ by_period_config() }}
{%- set by_period = rollup_by_period() -%}
with all_values as (
    select * from {{ ref('ind_indicator_values') }}
),

data_window as (
    select as_of_at from {{ ref('int_data_window') }}
),

catalog as (
    select * from {{ ref('seed_indicator_catalog') }}
),

-- What each indicator needs (catalogue source_fields: terms separated by ';', each an
-- entity (any row loaded), an entity.column (any non-empty value) or
-- ticket_events:<event_type> (the type is recorded at all); 'a|b' is satisfied by either;
-- '[x]' is optional) against what the loaded sources provide (int_source_coverage). An
-- indicator needing something not provided has no data because no source provides it,
-- not because of a gap in a period.
needs as (
    select catalog.indicator_id, trim(term.needed) as needed
    from catalog
    {{ tsq.cross_join_unnest(tsq.split_string("coalesce(catalog.source_fields, '')", "';'"), 'term', 'needed') }}
    where trim(term.needed) <> '' and not {{ tsq.starts_with('trim(term.needed)', "'['") }}
),

missing as (
    select needs.indicator_id, needs.needed
    from needs
    where not exists (
        select 1
        from {{ tsq.unnest_rows(tsq.split_string('needs.needed', "'|'"), 'alternative', 'term') }}
        inner join {{ ref('int_source_coverage') }} as coverage
            on coverage.term = trim(alternative.term) and coverage.provided
    )
),

unsupported as (
    -- the reason names every missing term, in catalogue spelling ('a or b' for a choice);
    -- a column or event type of an entity that is itself missing is implied by it, so
    -- "no source provides surveys", not "surveys, surveys.rating"
    select
        missing.indicator_id,
        {{ tsq.string_agg_ordered("replace(missing.needed, '|', ' or ')", "', '", 'missing.needed') }}
            as needs_missing
    from missing
    where not exists (
        select 1
        from missing as whole_entity
        where whole_entity.indicator_id = missing.indicator_id
          and not {{ tsq.contains_text('missing.needed', "'|'") }}
          and whole_entity.needed = {{ tsq.regexp_group('missing.needed', "'^([a-z_]+)[.:]'") }}
    )
    group by missing.indicator_id
),

-- every current period, complete or not, with its fingerprint
all_periods as (
    select
        current_periods.period_grain,
        current_periods.period_start,
        coalesce({{ period_end_utc('current_periods.period_grain', 'current_periods.period_start') }}
            <= data_window.as_of_at, false) as period_complete,
        {%- if by_period %}
        current_periods.values_fingerprint
            || case when {{ period_end_utc('current_periods.period_grain', 'current_periods.period_start') }}
                <= data_window.as_of_at then '|complete|' else '|running|' end
            || coalesce(sources.fingerprint, '') as period_fingerprint
        {%- else %}
        cast(null as {{ tsq.type_text() }}) as period_fingerprint
        {%- endif %}
    from (
        select
            period_grain,
            period_start
            {%- if by_period %},
            {{ rows_fingerprint(tsq.unit_row_hash('all_values')) }} as values_fingerprint
            {%- endif %}
        from all_values
        group by period_grain, period_start
    ) as current_periods
    cross join data_window
    {%- if by_period %}
    cross join (
        select {{ rows_fingerprint(tsq.unit_row_hash('unsupported')) }} as fingerprint
        from unsupported
    ) as sources
    {%- endif %}
),

-- the periods this build computes: all of them, or those whose fingerprint changed
periods as (
    {%- if by_period %}
    {{ periods_to_build('all_periods') }}
    {%- else %}
    select period_grain, period_start, period_fingerprint from all_periods
    {%- endif %}
),

values_ as (
    select all_values.*
    from all_values
    inner join periods
        on periods.period_grain = all_values.period_grain
        and periods.period_start = all_values.period_start
),

scopes as (
    select distinct period_grain, period_start, scope_type, scope_id from values_
    {{- period_marker_scopes('all_periods') }}
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
        all_periods.period_complete,
        all_periods.period_fingerprint,
        -- a value computed from a source that lacks what the indicator needs is not data
        case when unsupported.needs_missing is null then values_.value end as value,
        case when unsupported.needs_missing is null then values_.numerator end as numerator,
        case when unsupported.needs_missing is null then values_.denominator end as denominator,
        case when unsupported.needs_missing is null then coalesce(values_.sample_size, 0) else 0 end
            as sample_size,
        case when unsupported.needs_missing is null then values_.ci_low end as ci_low,
        case when unsupported.needs_missing is null then values_.ci_high end as ci_high,
        catalog.min_sample,
        catalog.direction,
        catalog.target,
        catalog.floor,
        catalog.band_low,
        catalog.band_high,
        catalog.ceiling,
        case
            when values_.value is null or unsupported.needs_missing is not null then 'no_data'
            when values_.sample_size < catalog.min_sample then 'below_min_sample'
            else 'scored'
        end as score_status,
        case
            when unsupported.needs_missing is not null
                then 'no source provides ' || unsupported.needs_missing
            when values_.value is null then 'no data in this period and scope'
        end as no_data_reason
    from grid
    inner join catalog on catalog.indicator_id = grid.indicator_id
    inner join all_periods
        on all_periods.period_grain = grid.period_grain
        and all_periods.period_start = grid.period_start
    left join unsupported on unsupported.indicator_id = grid.indicator_id
    left join values_
        on values_.period_grain = grid.period_grain
        and values_.period_start = grid.period_start
        and values_.scope_type = grid.scope_type
        and values_.scope_id = grid.scope_id
        and values_.indicator_id = grid.indicator_id
)

{%- set clipped_score -%}
greatest(0.0, least(100.0, case
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
    end))
{%- endset %}
select
    *,
    -- clipped to [0, 100]; rounded to 4 decimals so equal inputs give equal scores.
    -- (The outer CASE matters: greatest/least skip NULLs, so they would turn "no
    -- score" into 100.)
    case when score_status = 'scored' then {{ tsq.round_double(clipped_score, 4) }} end as score
from joined
