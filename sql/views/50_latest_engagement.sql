-- title: latest_engagement
-- description: the most recent value of every metric per article and platform.
-- grain: one row per (article, platform, metric)
create or replace view latest_engagement as
select article_id, url, title, platform, metric, arg_max(value, ts) as value, max(ts) as ts
from engagement
group by all;
