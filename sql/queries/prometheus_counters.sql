-- title: Prometheus counters and gauges
-- description: per platform and round kind: requests, errors, throttled rounds, samples
-- written, rounds by outcome; per platform: items due now (backlog) and tracked. Read by
-- /metrics (tracker.observe.exposition); counters only grow because `runs` is append-only.
-- grain: one row per platform and round kind (kind is null on the backlog rows)
select platform,
       kind,
       sum(requests)::bigint as requests,
       sum(errors)::bigint as errors,
       count(*) filter (where status = 'rate_limited')::bigint as throttled_rounds,
       sum(items_sampled)::bigint as samples,
       count(*) filter (where status in ('ok', 'partial'))::bigint as rounds_ok,
       count(*) filter (where status = 'failed')::bigint as rounds_failed,
       null::bigint as backlog,
       null::bigint as tracked
from runs
group by platform, kind
union all
select platform, null, null, null, null, null, null, null,
       count(*) filter (where gone_at is null and next_due_at <= now())::bigint,
       count(*) filter (where gone_at is null)::bigint
from items
group by platform
order by platform, kind nulls last;
