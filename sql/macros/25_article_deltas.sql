-- title: article_deltas
-- description: the rows of `item_deltas` (each sample as the change since its series' previous
-- sample) of one article's items, read only between each item's first sample
-- (`item_first_sample`, migration 0067) and its newest (`series_latest`). `samples` is in time
-- order: filtering the view by article reads the item_id column of every row group, while this
-- join hands the scan the article's time span, so zone maps skip the row groups outside it
-- (DuckDB pushes the join's ts range into the scan). Same rows as
-- `select * from item_deltas where article_id = of_article`.
-- grain: one row per (item, metric, sample time) of the article's items
-- params: of_article BIGINT
create or replace macro article_deltas(of_article) as table
with spans as (
    select
        i.item_id,
        i.platform,
        i.article_id,
        item_born_at(i.created_at, a.published_at) as born_at,
        f.ts as first_ts,
        max(l.ts) as last_ts
    from items as i
    join item_first_sample as f on f.item_id = i.item_id
    join series_latest as l on l.item_id = i.item_id
    left join tracked_articles as a on a.article_id = i.article_id
    where i.article_id = of_article
    group by all
)
select
    s.item_id,
    p.platform,
    p.article_id,
    p.born_at,
    s.metric,
    s.ts,
    s.value,
    sample_delta(s.value, s.prev_value) as delta,
    s.prev_ts is null as is_first
from samples as s
join spans as p on p.item_id = s.item_id and s.ts >= p.first_ts and s.ts <= p.last_ts;
