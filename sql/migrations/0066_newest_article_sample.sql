-- title: the newest sample of a story, kept as state
-- description: the dashboards' "data as of" badge (sql/queries/freshness.sql) is the newest sample
-- time of an item that shares an article. Found from `series_latest` (one row per series) joined
-- to `items` it cost 30-40 ms on every page at 100,000 articles; kept here as one row, it is a
-- lookup. The write path (tracker.timeseries) raises it in the transaction that stores samples of
-- such items, and the catalog raises it when an item with samples is linked to an article;
-- sql/audits/newest_article_sample.sql checks it equals the maximum over the stored samples.
-- Samples are never deleted except by a re-key, which moves them to the surviving item first.
create table newest_article_sample (
    ts timestamptz                                  -- NULL: no sample of a story yet
);
insert into newest_article_sample
select max(l.ts)
from series_latest as l
semi join items as i on i.item_id = l.item_id and i.article_id is not null;
