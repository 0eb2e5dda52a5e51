-- title: engagement
-- description: per article, platform and metric, the summed value over every item sharing the
-- article, at each time any of those items was sampled (each item counts with its latest value).
-- grain: one row per (article, platform, metric, sample time)
create or replace view engagement as
with per_time as (
    select article_id, platform, metric, ts, sum(delta) as delta
    from item_deltas
    where article_id is not null
    group by all
)
select
    p.article_id,
    a.url,
    a.title,
    p.platform,
    p.metric,
    p.ts,
    cast(sum(p.delta) over (
        partition by p.article_id, p.platform, p.metric order by p.ts
        rows between unbounded preceding and current row) as bigint) as value
from per_time as p
join tracked_articles as a on a.article_id = p.article_id;
