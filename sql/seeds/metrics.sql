-- title: metrics
-- description: the metric catalog, one row per line of sql/seeds/metrics.csv (its single source),
-- reloaded at every read-write start like the views and macros. `kind` is count (summable
-- total, in `samples`) or gauge (position or ratio, in `gauges`); `weight` is the metric's
-- default weight in an interactions sum; `position` keeps the file's order.
-- grain: one row per metric or gauge name
create or replace table metrics (
    position       integer not null,
    name           varchar primary key,
    kind           varchar not null check (kind in ('count', 'gauge')),
    is_interaction boolean not null,
    weight         double not null,
    label          varchar not null,
    description    varchar not null
);
