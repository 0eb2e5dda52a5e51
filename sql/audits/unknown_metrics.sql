-- title: unknown metrics
-- description: stored counts and gauges whose name is not in the metric catalog (the `metrics`
-- table, from sql/seeds/metrics.csv), or is filed under the wrong kind. Must return no rows.
-- grain: one row per (table, unknown name)
select 'samples' as in_table, s.metric as name, count(*) as stored_rows
from samples as s
anti join metrics as m on m.name = s.metric and m.kind = 'count'
group by all
union all
select 'gauges' as in_table, g.gauge as name, count(*) as stored_rows
from gauges as g
anti join metrics as m on m.name = g.gauge and m.kind = 'gauge'
group by all
order by in_table, name;
