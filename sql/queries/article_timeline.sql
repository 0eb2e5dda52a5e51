-- title: Article timeline
-- description: one article's count over time per platform: `metric` is 'interactions' (every
-- interaction metric summed, as in most_popular) or one metric name. Each point is the sum of the
-- latest values of all that platform's posts at a sample time (the `item_deltas` view).
-- grain: one row per (platform, sample time)
-- params: article_id BIGINT, metric VARCHAR = interactions
with d as (
    select platform, ts, delta
    from article_deltas($article_id)
    where case when $metric = 'interactions' then is_interaction(metric) else metric = $metric end
)
select
    platform,
    ts,
    cast(sum(sum(delta)) over (
        partition by platform order by ts rows between unbounded preceding and current row) as bigint) as value
from d
group by platform, ts
order by platform, ts;
