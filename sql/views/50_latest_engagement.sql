-- title: latest_engagement
-- description: the most recent value of every metric per article and platform: the sum of each
-- sharing item's latest value (what the last row of `engagement` holds), computed directly.
-- grain: one row per (article, platform, metric)
create or replace view latest_engagement as
with latest as (
    select item_id, metric, arg_max(value, ts) as value, max(ts) as ts
    from samples
    group by item_id, metric
)
select i.article_id, a.url, a.title, i.platform, l.metric, sum(l.value)::bigint as value, max(l.ts) as ts
from latest as l
join items as i on i.item_id = l.item_id
join tracked_articles as a on a.article_id = i.article_id
group by i.article_id, a.url, a.title, i.platform, l.metric;
