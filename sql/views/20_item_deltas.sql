-- title: item_deltas
-- description: each sample as the change since the item's previous sample of that metric.
-- The first sample of an item carries its whole value (is_first). Summing deltas up to a time
-- gives the sum of every item's latest value at that time, in one pass, without as-of joins.
-- The previous sample is the row's own prev_value (migration 0040), so there is no window over
-- the history: a filter on one article reaches the join with items directly.
-- grain: one row per (item, metric, sample time)
create or replace view item_deltas as
select
    s.item_id,
    i.platform,
    i.article_id,
    item_born_at(i.created_at, a.published_at) as born_at,
    s.metric,
    s.ts,
    s.value,
    sample_delta(s.value, s.prev_value) as delta,
    s.prev_ts is null as is_first
from samples as s
join items as i on i.item_id = s.item_id
left join tracked_articles as a on a.article_id = i.article_id;
