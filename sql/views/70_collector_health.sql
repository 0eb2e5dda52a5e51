-- title: collector_health
-- description: per platform: last round, last success, error rate over the last 50 rounds,
-- rate-limit waits, items due now; its state and note now (from `platform_status`, the one rule),
-- and the raw `platform_state` columns blocked_until, blocked_reason, disabled_reason (a past
-- blocked_until is kept there; `state` says whether it is still in force).
-- grain: one row per platform that has run, has items or has a state
create or replace view collector_health as
with recent as (
    select *, row_number() over (partition by platform order by started_at desc) as n from runs
),
rounds as (
    select platform,
           max(started_at) as last_round_at,
           max(finished_at) filter (where status = 'ok') as last_success_at,
           sum(errors) filter (where n <= 50) as recent_errors,
           count(*) filter (where n <= 50) as recent_rounds,
           sum(requests) filter (where n <= 50) as recent_requests,
           sum(rate_limit_waits) filter (where n <= 50) as recent_rate_limit_waits,
           arg_max(status, started_at) as last_status
    from recent group by platform
),
queue as (
    select platform,
           count(*) filter (where gone_at is null) as tracked_items,
           count(*) filter (where gone_at is null and next_due_at <= now()) as due_now,
           count(*) filter (where gone_at is not null) as gone_items
    from items group by platform
)
select coalesce(r.platform, q.platform, s.platform) as platform,
       r.last_round_at, r.last_success_at, r.last_status,
       coalesce(r.recent_rounds, 0) as recent_rounds,
       coalesce(r.recent_errors, 0)::bigint as recent_errors,
       coalesce(r.recent_requests, 0)::bigint as recent_requests,
       coalesce(r.recent_rate_limit_waits, 0)::bigint as recent_rate_limit_waits,
       coalesce(q.tracked_items, 0) as tracked_items,
       coalesce(q.due_now, 0) as due_now,
       coalesce(q.gone_items, 0) as gone_items,
       s.blocked_until, s.blocked_reason, s.disabled_reason,
       coalesce(ps.state, 'ok') as state, ps.note
from rounds as r
full join queue as q on q.platform = r.platform
full join platform_state as s on s.platform = coalesce(r.platform, q.platform)
left join platform_status as ps on ps.platform = s.platform;
