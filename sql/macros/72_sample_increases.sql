-- title: sample_increases
-- description: the interactions each given article gained at each of its samples in
-- (start_at, as_of]: per sample of an interaction metric, the increase since the series' previous
-- sample (its stored prev_value, when that sample lies within lookback_hours before start_at),
-- never negative, times metric_weight. A sample without such a predecessor (a post's first, or
-- one after a long gap) counts whole only when the post was born after start_at: starting to
-- track an old post is not a rise. The dashboards' sparklines (ranking_sparklines) and rising
-- times (trending_rising) sum these per step; only the given articles' rows in the period are read.
-- grain: one row per (item, metric, sample time) of the given articles in (start_at, as_of]
-- params: article_ids BIGINT[], start_at TIMESTAMPTZ, as_of TIMESTAMPTZ, on_platform VARCHAR = NULL (all)
create or replace macro sample_increases(article_ids, start_at, as_of, on_platform := null) as table
select
    i.article_id,
    s.ts,
    metric_weight(s.metric) * greatest(coalesce(
        case when s.prev_ts > start_at - to_hours(cast(analytics_setting('lookback_hours') as bigint))
             then s.value - s.prev_value end,
        case when item_born_at(i.created_at, a.published_at) > start_at then s.value end,
        0), 0) as gained
from samples as s
join items as i on i.item_id = s.item_id
left join tracked_articles as a on a.article_id = i.article_id
where list_contains(article_ids, i.article_id)
  and (on_platform is null or i.platform = on_platform)
  and is_interaction(s.metric)
  and s.ts > start_at
  and s.ts <= as_of;
