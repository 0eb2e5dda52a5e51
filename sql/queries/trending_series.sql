-- title: Trending series
-- description: for the articles trending now, the interactions each had gained since the hour
-- began, every 5 minutes across the last hour (the Trending page's sparklines). Each point is the
-- `gained` macro over (hour start, point], so the last point equals the article's trending score.
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
gains as (
    select s.step, g.article_id,
           sum(g.gained) filter (where is_interaction(g.metric)) as gained
    from steps as s,
         lateral (select * from gained(to_minutes(5 * s.step), as_of := s.ts)) as g
    where s.step > 0
      and g.article_id in (select article_id from top)
      and (nullif($platform, '') is null or g.platform = $platform)
    group by all
)
select t.rank, t.article_id, t.title, s.step, s.ts, coalesce(g.gained, 0)::bigint as gained
from top as t
cross join steps as s
left join gains as g on g.article_id = t.article_id and g.step = s.step
order by t.rank, s.step;
