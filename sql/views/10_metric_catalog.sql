-- title: metric_catalog
-- description: the closed vocabulary of counts and gauges, which counts are interactions, their
-- default weight and a short label; read from the `metrics` table (sql/seeds/metrics.csv).
-- grain: one row per metric or gauge name
create or replace view metric_catalog as
select name as metric, kind, is_interaction, description, weight, label
from metrics
order by position;
