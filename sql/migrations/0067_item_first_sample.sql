-- title: each item's first sample time, kept as state
-- description: one article's series (sql/queries/article_series, article_timeline,
-- article_hourly) reads the article's samples. `samples` is in time order, so a filter on the
-- article's items alone reads the `item_id` column of every row group (about 250 at 25 M rows),
-- while the article's rows lie between its items' first and newest samples. The newest is
-- `series_latest`; the first is kept here, one row per item with stored samples, so the
-- `article_deltas` macro can bound the scan by time and DuckDB's zone maps skip the row groups
-- outside it. The write path (tracker.timeseries) lowers it in the transaction that stores an
-- earlier sample; a re-key deletes the moved item's row (its samples go to the surviving item
-- through the write path). sql/audits/item_first_sample.sql checks it equals min(ts) per item.
create table item_first_sample (
    item_id bigint primary key,
    ts      timestamptz not null                    -- the item's earliest stored sample, any metric
);
insert into item_first_sample
select item_id, min(ts)
from samples
group by item_id;
