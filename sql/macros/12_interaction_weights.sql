-- title: interaction_weights
-- description: the interaction metrics of the metric catalog with their weight (`metrics`:
-- is_interaction, weight), as a table. A ranking joins its rows to it once on the metric name:
-- a metric without a row (views, gauges, unknown names) gets a NULL weight, so
-- `sum(w.weight * x)` adds exactly what `sum(metric_weight(metric) * x) filter (where
-- is_interaction(metric))` adds, with one hash join instead of a join per use of each macro.
-- grain: one row per interaction metric
create or replace macro interaction_weights() as table
select m.name as metric, m.weight
from metrics as m
where m.is_interaction;
