-- title: Prometheus round-duration histogram
-- description: finished rounds per platform and kind, counted into cumulative buckets of
-- seconds (le), with their sum and count: the shape of a Prometheus histogram.
-- grain: one row per platform, round kind and bucket bound
-- params: bounds DOUBLE[] = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300]
with finished as (
    select platform, kind, epoch(finished_at - started_at) as seconds
    from runs
    where finished_at is not null
),
bounds as (
    select unnest($bounds::double[]) as le
)
select f.platform,
       f.kind,
       b.le,
       count(*) filter (where f.seconds <= b.le)::bigint as at_most,
       count(*)::bigint as total,
       sum(f.seconds)::double as seconds_sum
from finished as f
cross join bounds as b
group by f.platform, f.kind, b.le
order by f.platform, f.kind, b.le;
