{#- Knowledge-base freshness is a stock, so each article is judged once per month of the
    data window, at the month's end in the reporting time zone (or at the as-of instant
    for the month still running): one row per article that was active then.

    The export carries only an article's latest update and review, so its touches known
    at a month end are: creation, the latest update and review if not later than that
    month end, and every kb_links 'created'/'updated' link made by then. Fresh: the last
    touch lies within var tsq_kb_freshness_days (default 180) before the month end and,
    when the article names the release it covers and that release is out by then, not
    before that release.

    The same rows carry the article's vote counts (current totals: votes have no date in
    the export) for ops_kb_article_quality, and its reuse in the month (kb_links 'used'
    links made in the month), a secondary measure that is reported but not scored. -#}
{%- set freshness_days = var('tsq_kb_freshness_days', 180) -%}
{%- set tz = "'" ~ var('tsq_reporting_timezone') ~ "'" -%}
with window_ as (
    select * from {{ ref('int_data_window') }}
),

month_starts as (
    -- local month starts from the first to the as-of month
    {{ tsq.series(
        'window_',
        "cast(date_trunc('month', " ~ utc_to_local('window_.first_at', tz) ~ ") as timestamp)",
        "cast(date_trunc('month', " ~ utc_to_local('window_.as_of_at', tz) ~ ") as timestamp)",
        tsq.interval(1, 'month'), 'local_month_start', 'timestamp'
    ) }}
),

month_ends as (
    select
        month_starts.local_month_start,
        -- the month's last second in UTC, or the as-of instant for the running month
        least(
            {{ local_to_utc('month_starts.local_month_start + ' ~ tsq.interval(1, 'month'), tz) }} - {{ tsq.interval(1, 'second') }},
            window_.as_of_at
        ) as snapshot_at
    from month_starts
    cross join window_
),

articles as (
    select * from {{ ref('stg_helpdesk__kb_articles') }}
),

used_by_month as (
    select
        article_id,
        {{ period_start('month', 'linked_at') }} as month_start,
        count(*) as links_used
    from {{ ref('stg_helpdesk__kb_links') }}
    where link_type = 'used'
    group by 1, 2
),

link_touches as (
    select article_id, linked_at as touched_at
    from {{ ref('stg_helpdesk__kb_links') }}
    where link_type in ('created', 'updated')
),

snapshots as (
    select
        articles.article_id,
        month_ends.snapshot_at,
        articles.covers_release_at,
        greatest(
            articles.created_at,
            case when articles.updated_at <= month_ends.snapshot_at then articles.updated_at end,
            case when articles.last_reviewed_at <= month_ends.snapshot_at then articles.last_reviewed_at end
        ) as article_touched_at
    from articles
    inner join month_ends on articles.created_at <= month_ends.snapshot_at
    -- active now; a retired article's retirement date is unknown, so it is left out
    where articles.status = 'active'
),

with_links as (
    select
        snapshots.article_id,
        snapshots.snapshot_at,
        snapshots.covers_release_at,
        greatest(snapshots.article_touched_at, max(link_touches.touched_at)) as last_touched_at
    from snapshots
    left join link_touches
        on link_touches.article_id = snapshots.article_id
        and link_touches.touched_at <= snapshots.snapshot_at
    group by snapshots.article_id, snapshots.snapshot_at, snapshots.covers_release_at, snapshots.article_touched_at
)

select
    with_links.article_id,
    with_links.snapshot_at,
    with_links.last_touched_at,
    with_links.covers_release_at,
    with_links.last_touched_at > with_links.snapshot_at - {{ tsq.interval(freshness_days, 'day') }}
        and (
            with_links.covers_release_at is null
            or with_links.covers_release_at > with_links.snapshot_at
            or with_links.last_touched_at >= with_links.covers_release_at
        ) as is_fresh,
    articles.helpful_votes,
    articles.unhelpful_votes,
    coalesce(used_by_month.links_used, 0) as links_used_in_month,
    authors.team_id,
    articles.author_agent_id as agent_id,
    articles.product,
    cast(null as {{ tsq.type_text() }}) as channel,
    cast(null as {{ tsq.type_text() }}) as priority,
    cast(null as {{ tsq.type_text() }}) as complexity_tier
from with_links
inner join articles on articles.article_id = with_links.article_id
left join {{ ref('stg_helpdesk__agents') }} as authors on authors.agent_id = articles.author_agent_id
left join used_by_month
    on used_by_month.article_id = with_links.article_id
    and used_by_month.month_start = {{ period_start('month', 'with_links.snapshot_at') }}
