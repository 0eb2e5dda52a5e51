-- title: metric_weight (temporary)
-- description: weight of a metric in "interactions": 1.0 for every interaction, 0 otherwise.
-- grain: scalar
-- Placeholder until the metric catalog (table `metrics`, sql/seeds/metrics.csv) lands and
-- defines the real macro; delete this file then.
create or replace macro metric_weight(metric) as case when is_interaction(metric) then 1.0 else 0.0 end;
