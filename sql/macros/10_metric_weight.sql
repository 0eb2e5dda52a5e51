-- title: metric_weight
-- description: a metric's default weight in an interactions sum (`weight` in the metric catalog,
-- the `metrics` table loaded from sql/seeds/metrics.csv): 1.0 for every interaction today, 0 for
-- views, gauges and unknown names.
-- grain: one weight per metric name
create or replace macro metric_weight(metric) as
    coalesce((select m.weight from metrics as m where m.name = metric), 0.0);
