-- title: Rising since
-- description: when each given article started rising. A 5-minute step of the last 24 hours
-- "rises" when the article's short velocity there (interactions gained over the trending score's
-- short span, per hour) is positive and at least `factor` times its long velocity (over the long
-- span, per hour); the spans and the metric weights are trending()'s (analytics_settings
-- short_span_minutes and long_span_hours, metric_weight). rising_since is the first step of the
-- latest unbroken run of rising steps, rising_until its last, rising_now whether that run reaches
-- as_of, first_rising_at the first rising step of the day. Gains are sample-to-sample increases put
-- in the step of the later sample; a post's first sample counts whole only when the post was born
-- inside the period read (starting to track an old post is not a rise). Articles that did not rise
-- in the day have no row.
-- grain: one row per given article that rose in the last 24 hours
-- params: article_ids BIGINT[], factor DOUBLE = 2, platform VARCHAR = '', as_of TIMESTAMPTZ = now()
with bounds as (
    select
        b.as_of,
        b.short_steps,
        b.long_steps,
        288 + b.long_steps as last_step,  -- steps 0..last_step, 5 minutes apart, the last at as_of
        b.as_of - to_minutes(5 * (288 + b.long_steps)) as start_at
    from (
        select
            coalesce(cast($as_of as timestamptz), now()) as as_of,
            greatest(round(analytics_setting('short_span_minutes') / 5), 1)::bigint as short_steps,
            greatest(round(analytics_setting('long_span_hours') * 12), 1)::bigint as long_steps
    ) as b
),
step_gains as (  -- what each sample added (sample_increases), summed per 5-minute step
    select
        g.article_id,
        b.last_step - floor(epoch(b.as_of - g.ts) / 300)::bigint as step,
        sum(g.gained) as gained
    from sample_increases(
        $article_ids,
        -- bounds' start_at, written out so the time filter reaches the scan
        coalesce(cast($as_of as timestamptz), now())
            - to_minutes(5 * (288 + greatest(round(analytics_setting('long_span_hours') * 12), 1)::bigint)),
        coalesce(cast($as_of as timestamptz), now()),
        on_platform := nullif($platform, '')
    ) as g
    cross join bounds as b
    group by all
),
grid as (
    select ids.article_id, k.step, b.as_of - to_minutes(5 * (b.last_step - k.step)) as step_at
    from (select distinct unnest(cast($article_ids as bigint[])) as article_id) as ids
    cross join bounds as b
    cross join range(0, b.last_step + 1) as k(step)
),
running as (
    select g.article_id, g.step, g.step_at,
           sum(coalesce(sg.gained, 0)) over (partition by g.article_id order by g.step) as cumulative
    from grid as g
    left join step_gains as sg on sg.article_id = g.article_id and sg.step = g.step
),
velocities as (
    select
        now_.article_id,
        now_.step,
        now_.step_at,
        (now_.cumulative - short_.cumulative) * 60 / analytics_setting('short_span_minutes') as velocity_short,
        (now_.cumulative - long_.cumulative) / analytics_setting('long_span_hours') as velocity_long
    from running as now_
    cross join bounds as b
    join running as short_ on short_.article_id = now_.article_id and short_.step = now_.step - b.short_steps
    join running as long_ on long_.article_id = now_.article_id and long_.step = now_.step - b.long_steps
),
flagged as (
    select
        v.*,
        v.velocity_short > 0 and v.velocity_short >= $factor * v.velocity_long as rising
    from velocities as v
),
runs as (
    select
        f.*,
        sum(case when f.rising then 0 else 1 end) over (partition by f.article_id order by f.step) as run
    from flagged as f
),
latest as (
    select article_id, max(run) as run from runs where rising group by article_id
)
select
    r.article_id,
    min(r.step_at) as rising_since,
    max(r.step_at) as rising_until,
    max(r.step) = any_value(b.last_step) as rising_now,
    any_value(f.first_rising_at) as first_rising_at
from runs as r
join latest as l on l.article_id = r.article_id and l.run = r.run
join (select article_id, min(step_at) as first_rising_at from runs where rising group by article_id) as f
    on f.article_id = r.article_id
cross join bounds as b
where r.rising
group by r.article_id
order by r.article_id;
