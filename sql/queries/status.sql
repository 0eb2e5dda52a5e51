-- title: status
-- description: collector health per platform for `tracker status`: the platform's state now
-- ('ok', 'blocked', 'degraded', 'disabled', 'off') and its note from the platform_status view (an expired
-- throttle shows neither), the last round and success, errors, requests and rate-limit waits
-- over the last 50 rounds, and the queue. (The Health page reads queries/health.sql.)
-- grain: one row per platform
select h.platform, coalesce(ps.state, 'ok') as state, h.last_status, h.last_round_at, h.last_success_at,
       h.recent_rounds, h.recent_errors, h.recent_requests, h.recent_rate_limit_waits, h.tracked_items,
       h.due_now, h.gone_items, ps.blocked_until, ps.note
from collector_health as h
left join platform_status as ps on ps.platform = h.platform
order by h.platform;
