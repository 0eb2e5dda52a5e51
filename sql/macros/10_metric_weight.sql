-- title: metric_weight
-- description: a metric's default weight in an interactions sum (`weight` in the metric catalog,
-- sql/seeds/metrics.csv): 1.0 for every interaction today, 0 for views, gauges and unknown names.
-- Written out from the catalog at each start (the placeholder below) as a literal CASE.
-- grain: one weight per metric name
create or replace macro metric_weight(metric) as
    case metric {{ weight_cases }} else 0.0::double end;
