-- title: Freshness
-- description: the newest observation of any story at or before `as_of` (the dashboards' "data as
-- of" badge): the latest sample time of an item that shares an article. Read from the one-row
-- state `newest_article_sample` (migration 0066, raised by the write path) when that time is at
-- or before `as_of` (always, when `as_of` is now): no sample of a story is newer, so it is the
-- answer. For an earlier `as_of` it is found live from `series_latest` (one row per item and
-- metric), not from `samples`: for a series with samples after `as_of`, the last one at or before
-- it is the `prev_ts` of its first sample after `as_of`, so no history is scanned. The live part
-- reads nothing when the state answers: its rows are joined to `live`, a one-row table that is
-- then empty, and DuckDB skips the probe side of a hash join whose build side is empty.
-- grain: one row
-- params: as_of TIMESTAMPTZ = now()
with kept as (
    select max(k.ts) as ts from newest_article_sample as k
),
live as (  -- one row when the state does not answer for as_of
    select true as needed
    from kept
    where kept.ts is null or kept.ts > coalesce(cast($as_of as timestamptz), now())
),
candidates as (
    select l.item_id, l.ts
    from series_latest as l
    join live on live.needed = (l.ts is not null)
    where l.ts <= coalesce(cast($as_of as timestamptz), now())
    union all
    select s.item_id, s.prev_ts as ts
    from samples as s
    join live on live.needed = (s.ts is not null)
    where s.ts > coalesce(cast($as_of as timestamptz), now())
      and s.prev_ts <= coalesce(cast($as_of as timestamptz), now())
),
found as (
    select max(c.ts) as ts
    from candidates as c
    semi join items as i on i.item_id = c.item_id and i.article_id is not null
)
select case when kept.ts <= coalesce(cast($as_of as timestamptz), now()) then kept.ts else found.ts end
    as latest_sample_at
from kept, found;
