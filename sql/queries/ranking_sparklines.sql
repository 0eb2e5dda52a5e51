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
step_gains as (  -- what each sample added (sample_increases), summed per step
    select
        g.article_id,
        b.steps - 1 - floor(epoch(b.as_of - g.ts) / b.step_s)::bigint as step,
        sum(g.gained) as gained
    from sample_increases(
        $article_ids,
        coalesce(cast($as_of as timestamptz), now()) - cast($win as interval),
        coalesce(cast($as_of as timestamptz), now()),
        on_platform := nullif($platform, '')
    ) as g
    cross join bounds as b
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
