-- title: metric catalog replaces the CHECK lists
-- description: `samples.metric` and `gauges.gauge` were checked against lists written in
-- 0001_init.sql; the vocabulary now lives in one catalog (sql/seeds/metrics.csv, loaded into the
-- `metrics` table at each start). DuckDB cannot alter a CHECK, so both tables are rebuilt
-- without it, keeping their keys, `value >= 0` and every row. Names are checked against the
-- catalog when written (tracker.collector.check_metrics) and by sql/audits/unknown_metrics.sql.
-- Views reading these tables are re-created after migrations, as at every start.

create table samples_rebuilt (
    item_id bigint not null,
    metric  varchar not null,                       -- a count in the metric catalog
    ts      timestamptz not null,                   -- observed time, UTC
    value   bigint not null check (value >= 0),
    primary key (item_id, metric, ts)
);
insert into samples_rebuilt select item_id, metric, ts, value from samples;
drop table samples;
alter table samples_rebuilt rename to samples;

create table gauges_rebuilt (
    item_id bigint not null,
    gauge   varchar not null,                       -- a gauge in the metric catalog
    ts      timestamptz not null,
    value   double not null,
    primary key (item_id, gauge, ts)
);
insert into gauges_rebuilt select item_id, gauge, ts, value from gauges;
drop table gauges;
alter table gauges_rebuilt rename to gauges;
