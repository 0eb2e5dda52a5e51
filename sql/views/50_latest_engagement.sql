-- title: latest_engagement
-- description: the most recent value of every metric per article and platform: the sum of each
-- sharing item's latest value (what the last row of `engagement` holds), computed directly.
-- Items are joined before grouping and article_id is a grouping key, so a filter on article_id
-- reaches the join (and through it the samples scan) instead of grouping every sample first.
-- grain: one row per (article, platform, metric)
create or replace view latest_engagement as
with latest as (
    select i.article_id, i.platform, s.item_id, s.metric, arg_max(s.value, s.ts) as value, max(s.ts) as ts
    from samples as s
    join items as i on i.item_id = s.item_id
    where i.article_id is not null
    group by i.article_id, i.platform, s.item_id, s.metric
)
select l.article_id, a.url, a.title, l.platform, l.metric, sum(l.value)::bigint as value, max(l.ts) as ts
from latest as l
join tracked_articles as a on a.article_id = l.article_id
group by l.article_id, a.url, a.title, l.platform, l.metric;
