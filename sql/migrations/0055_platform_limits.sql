-- title: platform limits and the latest total per item
-- description: `platform_limits` is what the running process enforces per enabled platform, written at every start:
-- the collector's request budget (its `Limits`; Reddit's depend on the credentials given),
-- the sampling tick and how long items are sampled (`daemon.tick_s`,
-- `cadence.stop_after_days`). The health query measures use against the budget and lateness
-- against the tick from it, without importing Python.

create table platform_limits (
    platform     varchar primary key,
    requests     integer not null,   -- requests allowed per window
    per_seconds  double not null,    -- the window, in seconds
    max_batch    integer not null,   -- items one request can carry
    tick_s       double not null,    -- a sampling round starts this often
    stop_after_s double not null,    -- items older than this are no longer sampled
    updated_at   timestamptz not null
);

-- The interactions (or views) total of an item's latest sample, written with its reschedule, so
-- the runner knows the previous total without reading `samples` (NULL until the first sample
-- after this migration; the runner then reads it from `samples` once).
alter table items add column last_total double;
