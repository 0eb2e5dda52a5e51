-- title: status
-- description: collector health per platform (`tracker status`, the Health page).
-- grain: one row per platform
select platform, last_status, last_round_at, last_success_at, recent_rounds, recent_errors,
       recent_requests, recent_rate_limit_waits, tracked_items, due_now, gone_items,
       blocked_until, coalesce(disabled_reason, blocked_reason) as note
from collector_health
order by platform;
