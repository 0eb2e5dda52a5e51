-- title: is_interaction
-- description: true for counts that are an act of engagement (`is_interaction` in the metric
-- catalog, the `metrics` table loaded from sql/seeds/metrics.csv: every count but views today).
-- Gauges and unknown names are never interactions. DuckDB plans the lookup as one hash join per
-- query, not a query per row: bench/query_latency.py measures it against a literal list.
-- grain: one boolean per metric name
create or replace macro is_interaction(metric) as
    metric in (select m.name from metrics as m where m.is_interaction);
