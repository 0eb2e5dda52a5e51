-- title: forecast ranks
-- description: front-page rank of items over time (the Hacker News `rank` gauge), a feature
-- of the forecaster: on the page and near the top means more growth to come.
-- grain: one row per (item, gauge time)
select 'item' as subject_kind, g.item_id as subject_id, g.ts, g.value
from gauges as g
where g.gauge = 'rank';
