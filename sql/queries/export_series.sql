-- title: Time series export
-- description: every sample taken in the window, with its article and platform, for
-- `tracker export --window`: the raw counts behind every metric, one row per observation.
-- Timestamps are UTC (timestamptz).
-- grain: one row per (item, metric, sample time)
-- params: since TIMESTAMPTZ, until TIMESTAMPTZ
select
    s.ts,
    i.platform,
    i.item_key,
    i.url as item_url,
    a.article_id,
    a.url as article_url,
    a.title as article_title,
    s.metric,
    s.value
from samples as s
join items as i on i.item_id = s.item_id
left join tracked_articles as a on a.article_id = i.article_id
where s.ts > $since and s.ts <= $until
order by s.ts, i.platform, i.item_key, s.metric;
