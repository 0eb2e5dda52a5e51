-- title: Ranking sparklines
-- description: the shape of each given article's window: the interactions (weighted as in
-- most_popular) it gained in each step of `step` (an interval string) over the window ending at
-- as_of, on one platform or all, every step listed (0 when nothing was gained). Gains are
-- sample-to-sample increases put in the step of the later sample; a post's first sample counts
-- whole only when the post was born inside the window, so the steps sum to about, not exactly,
-- the ranking's interactions (which interpolate the window start). One query for every row of a
-- ranking, never one per row.
-- grain: one row per (given article, step), oldest step first
-- params: article_ids BIGINT[], win VARCHAR = 24 hours, step VARCHAR = 1 hour, platform VARCHAR = '', as_of TIMESTAMPTZ = now()
with bounds as (
    select
        b.as_of,
        b.as_of - cast($win as interval) as start_at,
        epoch(cast($step as interval)) as step_s,
        ceil(epoch(cast($win as interval)) / epoch(cast($step as interval)))::bigint as steps
    from (select coalesce(cast($as_of as timestamptz), now()) as as_of) as b
),
recent as (
    select
        i.article_id,
        s.ts,
        s.metric,
        -- the step since the previous sample, when that sample is inside the rows read (each
        -- row carries its predecessor: no window function over the series)
        case when s.prev_ts > b.start_at - to_hours(cast(analytics_setting('lookback_hours') as bigint))
             then s.value - s.prev_value end as delta,
        s.value,
        coalesce(i.created_at, a.published_at) as born_at
    from samples as s
    join items as i on i.item_id = s.item_id
    left join tracked_articles as a on a.article_id = i.article_id
    cross join bounds as b
    where list_contains($article_ids, i.article_id)
      and (nullif($platform, '') is null or i.platform = $platform)
      and is_interaction(s.metric)
      and s.ts <= b.as_of
      and s.ts > b.start_at - to_hours(cast(analytics_setting('lookback_hours') as bigint))
),
step_gains as (
    select
        r.article_id,
        b.steps - 1 - floor(epoch(b.as_of - r.ts) / b.step_s)::bigint as step,
        sum(metric_weight(r.metric) * greatest(
            coalesce(r.delta, case when r.born_at > b.start_at then r.value end, 0), 0)) as gained
    from recent as r
    cross join bounds as b
    where r.ts > b.start_at
    group by all
)
select
    ids.article_id,
    k.step,
    b.as_of - to_microseconds(cast((b.steps - 1 - k.step) * b.step_s * 1e6 as bigint)) as ts,
    round(coalesce(g.gained, 0))::bigint as gained
from (select distinct unnest(cast($article_ids as bigint[])) as article_id) as ids
cross join bounds as b
cross join range(0, b.steps) as k(step)
left join step_gains as g on g.article_id = ids.article_id and g.step = k.step
order by ids.article_id, k.step;
