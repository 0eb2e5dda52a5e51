-- title: Collector health
-- description: per platform: last round and success, error rate over the last 50 rounds,
-- rate-limit waits, items due now, and until when the platform is throttled.
-- grain: one row per platform
select
    h.platform,
    h.last_round_at,
    h.last_success_at,
    h.last_status,
    h.recent_rounds,
    h.recent_errors,
    h.recent_requests,
    case when h.recent_requests > 0 then h.recent_errors / h.recent_requests end as error_rate,
    h.recent_rate_limit_waits,
    h.tracked_items,
    h.due_now,
    h.gone_items,
    h.blocked_until,
    h.blocked_reason,
    h.disabled_reason
from collector_health as h
order by h.platform;
