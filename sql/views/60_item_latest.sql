-- title: item_latest
-- description: the most recent value of every count and gauge per platform item, for posts
-- tracked for themselves as well as those sharing an article.
-- grain: one row per (item, metric)
create or replace view item_latest as
with latest as (
    select item_id, metric, value::double as value, ts from series_latest  -- kept by the write path
    union all
    select item_id, gauge as metric, arg_max(value, ts) as value, max(ts) as ts from gauges group by all
)
select i.item_id, i.platform, i.item_key, i.url, i.article_id, i.title, l.metric, l.value, l.ts,
       i.gone_reason
from latest as l
join items as i on i.item_id = l.item_id;
