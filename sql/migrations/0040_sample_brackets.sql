-- title: samples carry their predecessor; one state row per series; no primary key on samples
-- description: a gain over (t0, t1] needs the value at t0, interpolated between the last sample
-- at or before t0 and the first after it. Found by grouping the history, that cost grew with the
-- history, and the (item_id, metric, ts) primary key (an ART index) capped writes at ~100-200 k
-- rows/s and held GBs of memory at 30 M rows. Now each sample row also stores its series'
-- previous sample (`prev_ts`, `prev_value`; NULL on a series' first sample), so the value at t0
-- comes from the one row per series with `ts > t0 and prev_ts <= t0`, read inside the window
-- only; `series_latest` holds each series' newest sample (one row per item and metric), which
-- the write path uses to fill `prev_*` and to tell new rows from re-sent or late ones, and which
-- the "latest" views and the freshness badge read instead of scanning every sample.
-- Idempotency without the key is kept by tracker.timeseries (a row at or before its series'
-- latest time is stored only if that exact (item, metric, ts) is not there; a late row also
-- fixes the `prev_*` of the row after it); sql/audits/duplicate_samples.sql and
-- sql/audits/sample_brackets.sql check both. Gauges keep their key (a few rows per round).
-- Rows are rewritten in time order so DuckDB's zone maps skip row groups outside a window.

create table samples_rebuilt (
    item_id    bigint not null,
    metric     varchar not null,                    -- a count in the metric catalog
    ts         timestamptz not null,                -- observed time, UTC
    value      bigint not null check (value >= 0),
    prev_ts    timestamptz,                         -- the series' previous sample time (NULL: first)
    prev_value bigint                               -- and its value
);
insert into samples_rebuilt
select item_id, metric, ts, value,
       lag(ts) over w as prev_ts,
       lag(value) over w as prev_value
from samples
window w as (partition by item_id, metric order by ts)
order by ts, item_id, metric;
drop table samples;
alter table samples_rebuilt rename to samples;

create table series_latest (
    item_id bigint not null,
    metric  varchar not null,
    ts      timestamptz not null,                   -- the series' newest sample time
    value   bigint not null,                        -- and its value
    primary key (item_id, metric)
);
insert into series_latest
select item_id, metric, max(ts), arg_max(value, ts)
from samples
group by item_id, metric;
