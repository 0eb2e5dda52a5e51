-- title: latest_engagement
-- description: the most recent value of every metric per article and platform: the sum of each
-- sharing item's latest value (what the last row of `engagement` holds), computed directly.
-- Each item's latest value is read from `series_latest` (one row per item and metric, kept by the
-- write path, migration 0040), not found by grouping every sample.
-- grain: one row per (article, platform, metric)
create or replace view latest_engagement as
with latest as (
    select i.article_id, i.platform, l.item_id, l.metric, l.value, l.ts
    from series_latest as l
    join items as i on i.item_id = l.item_id
    where i.article_id is not null
)
select l.article_id, a.url, a.title, l.platform, l.metric, sum(l.value)::bigint as value, max(l.ts) as ts
from latest as l
join tracked_articles as a on a.article_id = l.article_id
group by l.article_id, a.url, a.title, l.platform, l.metric;
