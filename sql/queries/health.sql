-- title: Collector health
-- description: per platform: last round and success, error rate over the last 50 rounds,
-- rate-limit waits, items due now, and its state at `as_of` ('ok', 'blocked', 'degraded', 'disabled',
-- 'off') with a one-line note and, while a throttle is in force, `blocked_until`
-- (platform_status_at: the rule the runner enforces).
-- grain: one row per platform
-- params: as_of TIMESTAMPTZ = now()
select
    h.platform,
    h.last_round_at,
    h.last_success_at,
    h.last_status,
    coalesce(ps.state, 'ok') as state,
    h.recent_rounds,
    h.recent_errors,
    h.recent_requests,
    case when h.recent_requests > 0 then h.recent_errors / h.recent_requests end as error_rate,
    h.recent_rate_limit_waits,
    h.tracked_items,
    h.due_now,
    h.gone_items,
    ps.blocked_until,
    ps.note
from collector_health as h
left join platform_status_at(coalesce(cast($as_of as timestamptz), now())) as ps on ps.platform = h.platform
order by h.platform;
