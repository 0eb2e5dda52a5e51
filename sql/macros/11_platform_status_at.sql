-- title: platform_status_at
-- description: each platform's state at `as_of`, by one rule that the runner, `tracker status`
-- and the Health page all read: 'off' (not configured or no credentials; set at each start),
-- 'disabled' (the platform refused our credentials), 'blocked' (throttled until
-- `blocked_until`, which is still ahead of `as_of`), 'degraded' (the circuit breaker: its last
-- 5 or more finished rounds all failed), else 'ok'. A degraded platform is backed off
-- exponentially: 60 s after its 5th failed round in a row, doubling with each further failure,
-- at most an hour; while that back-off is in force `blocked_until` says until when and the
-- runner skips it, afterwards one round probes it, and a round that succeeds ('ok' or
-- 'partial') makes it 'ok' again. Throttled ('rate_limited') and interrupted rounds neither
-- count as failures nor end a streak. `note` says why in one line (for 'degraded': how many
-- rounds failed and the last error; NULL when ok); `blocked_until` is NULL unless a block or
-- back-off is in force, so an expired one is neither shown nor enforced.
-- grain: one row per platform with a row in platform_state or a finished round in runs
-- params: as_of TIMESTAMPTZ = NULL (now)
create or replace macro platform_status_at(as_of := null) as table
with finished as (
    select platform, run_id, status, coalesce(finished_at, started_at) as ended_at
    from runs
    where status in ('ok', 'partial', 'failed') and started_at <= coalesce(as_of, now())
),
last_success as (
    select platform, max(run_id) as run_id from finished where status <> 'failed' group by platform
),
streak as (
    select f.platform, count(*) as failures, max(f.run_id) as last_run_id, max(f.ended_at) as last_failed_at
    from finished as f
    left join last_success as ls on ls.platform = f.platform
    where f.status = 'failed' and f.run_id > coalesce(ls.run_id, -1)
    group by f.platform
    having count(*) >= 5
),
breaker as (
    select
        s.platform,
        s.failures,
        s.last_failed_at,
        s.last_failed_at
            + to_seconds(least(3600, 60 * power(2, least(s.failures - 5, 12)))::bigint) as retry_at,
        (select arg_max(e.message, e.seen_at) from run_errors as e where e.run_id = s.last_run_id)
            as last_error
    from streak as s
),
platforms as (
    select platform from platform_state
    union
    select platform from breaker
)
select
    p.platform,
    case
        when s.disabled_reason like 'off: %' then 'off'
        when s.disabled_reason is not null then 'disabled'
        when s.blocked_until > coalesce(as_of, now()) then 'blocked'
        when b.platform is not null then 'degraded'
        else 'ok'
    end as state,
    case
        when s.disabled_reason is not null then s.disabled_reason
        when s.blocked_until > coalesce(as_of, now()) then s.blocked_reason
        when b.platform is not null
            then b.failures || ' failed rounds in a row; last error: ' || coalesce(b.last_error, 'unknown')
    end as note,
    case
        when s.disabled_reason is not null then null
        when s.blocked_until > coalesce(as_of, now()) then s.blocked_until
        when b.retry_at > coalesce(as_of, now()) then b.retry_at
    end as blocked_until,
    coalesce(s.updated_at, b.last_failed_at) as updated_at
from platforms as p
left join platform_state as s on s.platform = p.platform
left join breaker as b on b.platform = p.platform;
