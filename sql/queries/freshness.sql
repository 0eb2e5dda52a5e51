-- title: Freshness
-- description: the newest observation of any story at or before `as_of` (the dashboards' "data as
-- of" badge). Read from `engagement`, which keeps every sample time, so a past `as_of` is honoured.
-- grain: one row
-- params: as_of TIMESTAMPTZ = now()
select max(e.ts) as latest_sample_at
from engagement as e
where e.ts <= coalesce(cast($as_of as timestamptz), now());
