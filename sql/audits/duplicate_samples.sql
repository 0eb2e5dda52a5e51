-- title: duplicate samples
-- description: the same (item, metric, time) stored twice. `samples` has no key since migration
-- 0040; the write path (tracker.timeseries) keeps writes idempotent, and this checks it did.
-- grain: one row per duplicated (item, metric, ts); must return zero rows
select s.item_id, s.metric, s.ts, count(*) as copies
from samples as s
group by s.item_id, s.metric, s.ts
having count(*) > 1;
