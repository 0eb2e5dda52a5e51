-- title: samples in the future
-- description: counts or gauges stamped later than now (plus 5 minutes of clock skew): a wrong clock
-- or time zone at write time, which would freeze an item at the top of every ranking.
-- grain: one row per offending table and item; must return zero rows
select 'samples' as in_table, s.item_id, max(s.ts) as latest
from samples as s
where s.ts > now() + interval 5 minute
group by s.item_id
union all
select 'gauges' as in_table, g.item_id, max(g.ts) as latest
from gauges as g
where g.ts > now() + interval 5 minute
group by g.item_id;
