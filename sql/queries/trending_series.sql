-- title: Trending series
-- description: for the articles trending now, the interactions each had gained since the hour
-- began, every 5 minutes across the last hour (the Trending page's sparklines). Each point is the
-- `gained` macro over (hour start, point] (window start interpolated), so the last point equals the
-- article's most_popular('1h') interactions; the ranking itself is `trending()`'s score.
-- grain: one row per (trending article, 5-minute step), steps 0..12
-- params: platform VARCHAR = '', limit INTEGER = 10, as_of TIMESTAMPTZ = now()
with bounds as (
    select coalesce(cast($as_of as timestamptz), now()) as as_of
),
top as (
    select t.rank, t.article_id, t.title
    from trending(as_of := (select as_of from bounds), on_platform := nullif($platform, '')) as t
    where t.rank <= $limit
),
steps as (
    select r.step, b.as_of - interval 1 hour + to_minutes(5 * r.step) as ts
    from range(0, 13) as r(step)
    cross join bounds as b
),
-- The twelve steps are spelled out rather than a LATERAL over `steps`: DuckDB's decorrelation of
-- a table macro whose parameters appear inside aggregate FILTERs gave every step the last value.
calls as (
    select 1 as step, * from gained(interval 5 minute, as_of := (select as_of from bounds) - interval 55 minute)
    union all
    select 2 as step, * from gained(interval 10 minute, as_of := (select as_of from bounds) - interval 50 minute)
    union all
    select 3 as step, * from gained(interval 15 minute, as_of := (select as_of from bounds) - interval 45 minute)
    union all
    select 4 as step, * from gained(interval 20 minute, as_of := (select as_of from bounds) - interval 40 minute)
    union all
    select 5 as step, * from gained(interval 25 minute, as_of := (select as_of from bounds) - interval 35 minute)
    union all
    select 6 as step, * from gained(interval 30 minute, as_of := (select as_of from bounds) - interval 30 minute)
    union all
    select 7 as step, * from gained(interval 35 minute, as_of := (select as_of from bounds) - interval 25 minute)
    union all
    select 8 as step, * from gained(interval 40 minute, as_of := (select as_of from bounds) - interval 20 minute)
    union all
    select 9 as step, * from gained(interval 45 minute, as_of := (select as_of from bounds) - interval 15 minute)
    union all
    select 10 as step, * from gained(interval 50 minute, as_of := (select as_of from bounds) - interval 10 minute)
    union all
    select 11 as step, * from gained(interval 55 minute, as_of := (select as_of from bounds) - interval 5 minute)
    union all
    select 12 as step, * from gained(interval 60 minute, as_of := (select as_of from bounds) - interval 0 minute)
),
gains as (
    select g.step, g.article_id,
           sum(g.gained) filter (where is_interaction(g.metric)) as gained
    from calls as g
    where g.article_id in (select article_id from top)
      and (nullif($platform, '') is null or g.platform = $platform)
    group by all
)
select t.rank, t.article_id, t.title, s.step, s.ts, coalesce(g.gained, 0)::bigint as gained
from top as t
cross join steps as s
left join gains as g on g.article_id = t.article_id and g.step = s.step
order by t.rank, s.step;
