-- title: Freshness
-- description: the newest observation of any story at or before `as_of` (the dashboards' "data as
-- of" badge): the latest sample time of an item that shares an article. Read from
-- `series_latest` (one row per item and metric, kept by the write path), not from `samples`:
-- for a series with samples after `as_of`, the last one at or before it is the `prev_ts` of its
-- first sample after `as_of` (none when `as_of` is now), so no history is scanned.
-- grain: one row
-- params: as_of TIMESTAMPTZ = now()
with candidates as (
    select l.item_id, l.ts
    from series_latest as l
    where l.ts <= coalesce(cast($as_of as timestamptz), now())
    union all
    select s.item_id, s.prev_ts as ts
    from samples as s
    where s.ts > coalesce(cast($as_of as timestamptz), now())
      and s.prev_ts <= coalesce(cast($as_of as timestamptz), now())
)
select max(c.ts) as latest_sample_at
from candidates as c
semi join items as i on i.item_id = c.item_id and i.article_id is not null;
