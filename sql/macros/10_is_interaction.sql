-- title: is_interaction
-- description: true for counts that are an act of engagement (`is_interaction` in the metric
-- catalog, sql/seeds/metrics.csv: every count but views today). Gauges are never interactions.
-- The list is written out from the catalog at each start (the placeholder below), so the
-- macro is a plain IN over literals: cheap inside aggregates over millions of samples.
-- grain: one boolean per metric name
create or replace macro is_interaction(metric) as
    metric in ({{ interaction_names }});
