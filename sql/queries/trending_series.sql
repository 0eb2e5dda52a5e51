-- title: Trending series
-- description: for the articles trending now, the interactions each had gained since the hour
-- began, every 5 minutes across the last hour (the Trending page's sparklines). Each point is the
-- `gained` macro over (hour start, point] (window start interpolated), so the last point equals the
-- article's most_popular('1h') interactions; the ranking itself is `trending()`'s score.
-- grain: one row per (trending article, 5-minute step), steps 0..12
-- params: platform VARCHAR = '', limit INTEGER = 10, as_of TIMESTAMPTZ = now()
with top as (
    select t.rank, t.article_id, t.title
    from trending(as_of := coalesce(cast($as_of as timestamptz), now()), on_platform := nullif($platform, '')) as t
    where t.rank <= $limit
),
steps as (
    select r.step, coalesce(cast($as_of as timestamptz), now()) - interval 1 hour + to_minutes(5 * r.step) as ts
    from range(0, 13) as r(step)
),
-- Every step's window starts at the same t0 (the hour's start), so every step shares the start
-- value `item_gains(1 hour)` computes for t0 (same interpolation, same edge rules): a step only
-- changes the end, the last sample at or before the step's time. So this is one item_gains call
-- plus one pass over the top articles' samples of the last hour, not twelve `gained()` calls;
-- each point equals `gained(5 x step minutes, as_of := step time)` (tests/sql/test_trending_series
-- checks it against those twelve calls). Rounding as in `gained`: per (article, platform, metric).
starts as (
    select g.item_id, g.article_id, g.platform, g.metric, g.start_value
    from item_gains(interval 1 hour, as_of := coalesce(cast($as_of as timestamptz), now())) as g
    where g.article_id in (select article_id from top)
      and (nullif($platform, '') is null or g.platform = $platform)
      and is_interaction(g.metric)
),
recent as (
    select s.item_id, s.metric, s.ts, s.value
    from samples as s
    semi join starts as st on st.item_id = s.item_id and st.metric = s.metric
    where s.ts > coalesce(cast($as_of as timestamptz), now()) - interval 1 hour
      and s.ts <= coalesce(cast($as_of as timestamptz), now())
),
ends as (
    select st.step, r.item_id, r.metric, arg_max(r.value, r.ts) as end_value
    from recent as r
    join steps as st on r.ts <= st.ts
    group by st.step, r.item_id, r.metric
),
per_metric as (
    select e.step, g.article_id, g.platform, g.metric,
           round(sum(greatest(e.end_value - g.start_value, 0)))::bigint as gained
    from ends as e
    join starts as g on g.item_id = e.item_id and g.metric = e.metric
    group by e.step, g.article_id, g.platform, g.metric
),
gains as (
    select step, article_id, sum(gained) as gained
    from per_metric
    group by step, article_id
)
select t.rank, t.article_id, t.title, s.step, s.ts, coalesce(g.gained, 0)::bigint as gained
from top as t
cross join steps as s
left join gains as g on g.article_id = t.article_id and g.step = s.step
order by t.rank, s.step;
