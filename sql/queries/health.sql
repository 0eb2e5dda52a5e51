-- title: Collector health
-- description: per platform, what `tracker status` and the Health page show (both read this
-- query): its state at `as_of` by the one rule (platform_status_at: 'ok', 'blocked',
-- 'degraded', 'disabled', 'off') with `degraded` true unless it is 'ok' or 'off', a one-line
-- note and, while a throttle or back-off is in force, `blocked_until`; the last round and the
-- last successful one; the last error and when; errors against requests over the last 50 rounds
-- (`error_rate`, at most 1); requests used in the current rate-limit window (the last
-- `window_s` seconds) against the `budget` the platform allows in it, and in the last hour
-- against `allowed_last_hour`; items tracked, items due, items overdue (due for longer than one
-- sampling tick) with the median and maximum lateness of the due ones in seconds, and items gone.
-- Budgets and the tick come from platform_limits (written at each start; NULL for a
-- platform that is off). Items past the sampling age limit are neither due nor overdue.
-- grain: one row per platform that has run, has items or has a state
-- params: as_of TIMESTAMPTZ = now()
with clock as (
    select coalesce(cast($as_of as timestamptz), now()) as as_of
),
recent as (
    select r.*, row_number() over (partition by r.platform order by r.started_at desc) as n
    from runs as r, clock as c
    where r.started_at <= c.as_of
),
rounds as (
    select platform,
           max(started_at) as last_round_at,
           max(finished_at) filter (where status = 'ok') as last_success_at,
           arg_max(status, started_at) as last_status,
           count(*) filter (where n <= 50) as recent_rounds,
           coalesce(sum(errors) filter (where n <= 50), 0)::bigint as recent_errors,
           coalesce(sum(requests) filter (where n <= 50), 0)::bigint as recent_requests,
           coalesce(sum(rate_limit_waits) filter (where n <= 50), 0)::bigint as recent_rate_limit_waits
    from recent group by platform
),
used as (
    select l.platform,
           coalesce(sum(r.requests) filter (where r.started_at > c.as_of - to_seconds(l.per_seconds)), 0)::bigint
               as window_requests,
           coalesce(sum(r.requests) filter (where r.started_at > c.as_of - interval 1 hour), 0)::bigint
               as requests_last_hour
    from platform_limits as l
    cross join clock as c
    left join runs as r
        on r.platform = l.platform and r.started_at <= c.as_of
           and r.started_at > c.as_of - to_seconds(greatest(l.per_seconds, 3600))
    group by l.platform
),
last_error as (
    select e.platform, arg_max(e.message, e.seen_at) as last_error, max(e.seen_at) as last_error_at
    from run_errors as e, clock as c
    where e.seen_at <= c.as_of
    group by e.platform
),
queue as (
    select platform,
           count(*) filter (where gone_at is null) as tracked_items,
           count(*) filter (where due) as due_now,
           count(*) filter (where due and late_s > coalesce(tick_s, 0)) as overdue,
           median(late_s) filter (where due) as median_late_s,
           max(late_s) filter (where due) as max_late_s,
           count(*) filter (where gone_at is not null) as gone_items
    from (
        select i.platform, i.gone_at, l.tick_s,
               (epoch_us(c.as_of) - epoch_us(i.next_due_at)) / 1e6 as late_s,  -- not ICU subtraction: ~2 us a row
               i.gone_at is null and i.next_due_at <= c.as_of
                   and (l.stop_after_s is null
                        or coalesce(i.created_at, i.tracked_at) >= c.as_of - to_seconds(l.stop_after_s)) as due
        from items as i
        cross join clock as c
        left join platform_limits as l on l.platform = i.platform
    )
    group by platform
),
platforms as (
    select platform from rounds
    union select platform from queue
    union select platform from platform_state
    union select platform from platform_limits
)
select
    p.platform,
    coalesce(ps.state, 'ok') as state,
    coalesce(ps.state, 'ok') not in ('ok', 'off') as degraded,
    ps.note,
    ps.blocked_until,
    r.last_round_at,
    r.last_status,
    r.last_success_at,
    e.last_error,
    e.last_error_at,
    coalesce(r.recent_rounds, 0) as recent_rounds,
    coalesce(r.recent_errors, 0) as recent_errors,
    coalesce(r.recent_requests, 0) as recent_requests,
    case
        when r.recent_requests > 0 then least(1.0, r.recent_errors / r.recent_requests)
        when r.recent_errors > 0 then 1.0
    end as error_rate,
    coalesce(r.recent_rate_limit_waits, 0) as recent_rate_limit_waits,
    u.window_requests,
    l.requests as budget,
    l.per_seconds as window_s,
    u.window_requests / l.requests as budget_used,
    u.requests_last_hour,
    round(l.requests * 3600 / l.per_seconds)::bigint as allowed_last_hour,
    l.max_batch,
    coalesce(q.tracked_items, 0) as tracked_items,
    coalesce(q.due_now, 0) as due_now,
    coalesce(q.overdue, 0) as overdue,
    q.median_late_s,
    q.max_late_s,
    coalesce(q.gone_items, 0) as gone_items
from platforms as p
left join rounds as r on r.platform = p.platform
left join queue as q on q.platform = p.platform
left join used as u on u.platform = p.platform
left join last_error as e on e.platform = p.platform
left join platform_limits as l on l.platform = p.platform
left join platform_status_at((select as_of from clock)) as ps on ps.platform = p.platform
order by p.platform;
