-- title: Freshness
-- description: the newest observation of any story at or before `as_of` (the dashboards' "data as
-- of" badge): the latest sample time of an item that shares an article. Read from `samples`
-- directly (one column scan), not from `engagement`, whose running sums cost the whole history.
-- grain: one row
-- params: as_of TIMESTAMPTZ = now()
select max(s.ts) as latest_sample_at
from samples as s
semi join items as i on i.item_id = s.item_id and i.article_id is not null
where s.ts <= coalesce(cast($as_of as timestamptz), now());
