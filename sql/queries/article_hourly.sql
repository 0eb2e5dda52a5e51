-- title: Article per hour
-- description: what one article gained per platform in each clock hour: `metric` is
-- 'interactions' or one metric name. A post's first sample counts whole in the hour it was
-- first seen (its count before we found it has no time of its own).
-- grain: one row per (platform, hour) with samples
-- params: article_id BIGINT, metric VARCHAR = interactions
select platform, time_bucket(interval 1 hour, ts) as hour, sum(delta)::bigint as gained
from article_deltas($article_id)
where case when $metric = 'interactions' then is_interaction(metric) else metric = $metric end
group by all
order by platform, hour;
