-- title: Article series
-- description: every metric of one article per platform over time (each platform's value sums
-- the latest counts of all its posts sharing the article).
-- grain: one row per (platform, metric, sample time)
-- params: article_id BIGINT
-- The `engagement` view's rows for one article, read through `article_deltas` (only the
-- article's time span of `samples`).
with per_time as (
    select platform, metric, ts, sum(delta) as delta
    from article_deltas($article_id)
    where article_id in (select article_id from tracked_articles)
    group by platform, metric, ts
)
select
    platform,
    metric,
    ts,
    cast(sum(delta) over (
        partition by platform, metric order by ts
        rows between unbounded preceding and current row) as bigint) as value
from per_time
order by metric, platform, ts;
