-- title: expected_curves
-- description: what a site's articles usually have at each age, CrowdTangle style. For each site
-- and age mark (age_mark_hours), expected = the trimmed mean (middle 50%) of the interactions at
-- that age of the site's last expected_articles articles (by birth, born in the last expected_days
-- days) that had reached that age by as_of, from age_marks, weighted by metric_weight over the interaction metrics; on one platform
-- (on_platform) or all platforms together (NULL). Trimmed mean of n values sorted ascending: drop
-- the lowest floor(n/4) and the highest floor(n/4), average the rest.
-- Fallback: a site with fewer than expected_min_articles such articles at a mark takes the curve
-- of all sites together (basis 'overall N articles'); fewer than that overall too: expected NULL
-- (basis 'too little history'). The row with site NULL is the all-sites curve, for sites with no
-- history at all. Each row also carries the previous mark (0 h with 0 interactions before the
-- first), so a ranking finds the segment an article's age falls in with one join.
-- `live := false` reads no mark at all (expected_curves_or_stored passes it when a stored curve
-- serves: the marks are joined to a one-row table that is then empty, and DuckDB skips the probe
-- side of a hash join whose build side is empty, so none of the millions of marks is scanned).
-- grain: one row per (site or NULL, mark_h)
-- params: as_of TIMESTAMPTZ = NULL (now), on_platform VARCHAR = NULL (all platforms), live BOOLEAN = true
create or replace macro expected_curves(as_of := null, on_platform := null, live := true) as table
with cfg as (  -- the settings read once (each analytics_setting call is a subquery to plan)
    select analytics_setting('expected_articles') as last_n,
           analytics_setting('expected_min_articles') as min_n,
           coalesce(as_of, now()) - to_days(cast(analytics_setting('expected_days') as integer)) as since
),
marks as (  -- each recent article's interactions at each mark, on the platform or all together
    select m.article_id, any_value(m.site) as site, m.mark_h, any_value(m.born_at) as born_at,
           coalesce(sum(metric_weight(m.metric) * m.value) filter (where is_interaction(m.metric)), 0) as v
    from age_marks as m
    cross join cfg
    join (select true as open where live) as gate on gate.open = (m.mark_h > 0)  -- see live above
    where (on_platform is null or m.platform = on_platform)
      and m.born_at > cfg.since
      -- born_at + mark_h <= as_of on epoch microseconds (TIMESTAMPTZ + INTERVAL goes through
      -- ICU's calendar: seconds over every stored mark)
      and epoch_us(m.born_at) + m.mark_h * 3600000000 <= epoch_us(coalesce(as_of, now()))
    group by m.article_id, m.mark_h
),
recent as (  -- the values of the last N articles (by birth) per site, and per all sites (site
    -- NULL), at each mark: a top-N aggregate, newest first (no sort of every article's mark)
    select site, mark_h,
           arg_max(v, {'born_at': born_at, 'article_id': article_id},
                   cast(analytics_setting('expected_articles') as bigint)) as vs
    from marks
    where site is not null
    group by site, mark_h
    union all
    select null as site, mark_h,
           arg_max(v, {'born_at': born_at, 'article_id': article_id},
                   cast(analytics_setting('expected_articles') as bigint)) as vs
    from marks
    group by mark_h
),
trimmed as (  -- sorted ascending, positions n // 4 + 1 .. n - n // 4 kept (1-based)
    select site, mark_h, len(vs) as n,
           list_avg(list_sort(vs)[len(vs) // 4 + 1 : len(vs) - len(vs) // 4]) as trimmed_mean
    from recent
),
grid as (  -- every (site, mark) including the all-sites curve
    select s.site, m.mark_h
    from (select distinct site from trimmed) as s,  -- the sites with history, and NULL
         unnest(age_mark_hours()) as m(mark_h)
    union
    select null, m.mark_h from unnest(age_mark_hours()) as m(mark_h)
),
resolved as (
    select g.site, g.mark_h,
        case when t.n >= cfg.min_n then t.trimmed_mean
             when o.n >= cfg.min_n then o.trimmed_mean
        end as expected,
        case when t.n >= cfg.min_n then
                 (case when g.site is null then 'overall ' else 'site ' end) || t.n || ' articles'
             when o.n >= cfg.min_n then 'overall ' || o.n || ' articles'
             else 'too little history'
        end as basis
    from grid as g
    cross join cfg
    left join trimmed as t on t.site is not distinct from g.site and t.mark_h = g.mark_h
    left join trimmed as o on o.site is null and o.mark_h = g.mark_h
)
select site, mark_h, expected, basis,
       coalesce(lag(mark_h) over w, 0) as prev_mark_h,
       case when lag(mark_h) over w is null then 0.0 else lag(expected) over w end as prev_expected
from resolved
window w as (partition by site order by mark_h);

-- title: expected_curve_inputs
-- description: a fingerprint of what expected_curves reads besides age_marks: the expected_*
-- settings and the metric catalog's weights and interaction flags. stored_expected_curves keeps
-- it beside each curve, so a curve computed before a settings or catalog change is not read
-- after it. (age_marks itself is written only by tracker.age_marks.refresh, which rewrites the
-- stored curves in the same transaction; fingerprinting it would scan millions of rows.)
-- grain: scalar
create or replace macro expected_curve_inputs() as
    (select string_agg(s.name || '=' || s.value, ',' order by s.name) from analytics_settings as s
     where s.name in ('expected_articles', 'expected_min_articles', 'expected_days'))
    || ';' ||
    (select string_agg(m.name || '=' || m.weight || ':' || m.is_interaction, ',' order by m.name)
     from metrics as m);

-- title: expected_curves_or_stored
-- description: expected_curves(as_of, on_platform), read from stored_expected_curves (written by
-- the age-marks job, tracker.age_marks.refresh, right after it adds marks) when a stored curve
-- for that platform was computed at or before as_of (NULL = now) from the same inputs
-- (expected_curve_inputs), else computed live (a past as_of, or settings changed since). Between
-- two refreshes the stored curve is the one of the last refresh: the marks it reads only change
-- at a refresh, and the only other difference, articles leaving the expected_days horizon in
-- those minutes, is negligible.
-- grain: one row per (site or NULL, mark_h), as expected_curves
-- params: as_of TIMESTAMPTZ = NULL (now), on_platform VARCHAR = NULL (all platforms)
create or replace macro expected_curves_or_stored(as_of := null, on_platform := null) as table
with stored as (
    select c.site, c.mark_h, c.expected, c.basis, c.prev_mark_h, c.prev_expected
    from stored_expected_curves as c
    where c.platform is not distinct from on_platform
      and c.computed_at <= coalesce(as_of, now())
      and c.inputs = expected_curve_inputs()
)
select * from stored
union all
select * from expected_curves(as_of := as_of, on_platform := on_platform,
                              live := not exists (select 1 from stored))
where not exists (select 1 from stored);

-- title: expected_at
-- description: the expected interactions at age_h on one curve segment (from expected_curves):
-- on the straight line between (prev_mark_h, prev_expected) and (mark_h, expected); past the
-- last mark (168 h) the curve stays flat, as stories have mostly stopped growing after a week.
-- NULL when either end has no expectation.
-- grain: scalar
-- params: age_h DOUBLE, prev_mark_h, prev_expected, mark_h, expected
create or replace macro expected_at(age_h, prev_mark_h, prev_expected, mark_h, expected) as
    case when age_h >= mark_h then expected
         else prev_expected + (expected - prev_expected) * (age_h - prev_mark_h) / (mark_h - prev_mark_h)
    end;

-- title: age_mark_ceiling
-- description: the curve segment an age falls in: the first age mark at or after age_h (ages past
-- the last mark use the last one, where expected_at holds the curve flat).
-- grain: scalar
-- params: age_h DOUBLE
create or replace macro age_mark_ceiling(age_h) as
    coalesce(list_filter(age_mark_hours(), lambda m: m >= age_h)[1], list_max(age_mark_hours()));

-- title: overperformance
-- description: actual interactions at an article's age divided by the expected interactions at
-- that age (expected_at on its site's curve): 2.0 = twice the site's usual article at this age,
-- 0.5 = half (underperforming). NULL when there is no expectation or it is 0.
-- grain: scalar
-- params: actual DOUBLE, expected DOUBLE
create or replace macro overperformance(actual, expected) as actual / nullif(expected, 0);

-- title: article_expectations
-- description: each article's expected interactions at its age now (as_of): its age from
-- article_born_at, the segment of its site's curve in expected_curves that the age falls in (the
-- all-sites curve for a site with no history), and expected_at on it. The curves are read through
-- expected_curves_or_stored: the copy the age-marks job stored, unless as_of is before it. The rankings join this and
-- divide their actual interactions by it (the overperformance macro).
-- grain: one row per tracked article with at least one item
-- params: as_of TIMESTAMPTZ = NULL (now), on_platform VARCHAR = NULL (all platforms)
create or replace macro article_expectations(as_of := null, on_platform := null) as table
with curves as (
    select * from expected_curves_or_stored(as_of := as_of, on_platform := on_platform)
),
aged as (
    select article_id, site, age_h,
           -- the segment: the first mark at or after the age (the last mark past it), as
           -- age_mark_ceiling, written as a CASE so the joins below stay plain equi-joins
           case when age_h <= 1 then 1 when age_h <= 2 then 2 when age_h <= 3 then 3
                when age_h <= 6 then 6 when age_h <= 12 then 12 when age_h <= 24 then 24
                when age_h <= 48 then 48 when age_h <= 72 then 72 else 168 end as seg_h
    from (
        -- epoch_us differences, not TIMESTAMPTZ subtraction (ICU's calendar, ~2 us a row over
        -- every article): the same hours
        select b.article_id, a.site,
               greatest((epoch_us(coalesce(as_of, now())) - epoch_us(b.born_at)) / 1e6 / 3600, 0) as age_h
        from article_born_at() as b
        join tracked_articles as a on a.article_id = b.article_id
    )
),
matched as (
    select g.article_id, g.age_h,
           coalesce(cs.prev_mark_h, co.prev_mark_h) as prev_mark_h,
           case when cs.mark_h is not null then cs.prev_expected else co.prev_expected end as prev_expected,
           coalesce(cs.mark_h, co.mark_h) as mark_h,
           case when cs.mark_h is not null then cs.expected else co.expected end as expected,
           coalesce(cs.basis, co.basis) as basis
    from aged as g
    left join curves as cs on cs.site = g.site and cs.mark_h = g.seg_h
    left join (select * from curves where site is null) as co on co.mark_h = g.seg_h
)
select article_id, age_h,
       expected_at(age_h, prev_mark_h, prev_expected, mark_h, expected) as expected_interactions,
       case when expected_at(age_h, prev_mark_h, prev_expected, mark_h, expected) is null
            then 'too little history' else basis end as expected_basis
from matched;

-- title: article_forecast
-- description: the forecast (sql/views/80_forecasts.sql, target 'horizon') of each article's
-- interactions at the forecast horizon with its 80% interval, on one platform, or summed over
-- its platforms when on_platform is NULL (the bounds summed too: a wider, conservative interval),
-- with the horizon's age in hours and whether any part came from the prior (too little history).
-- grain: one row per article with a forecast
-- params: on_platform VARCHAR = NULL (all platforms)
create or replace macro article_forecast(on_platform := null) as table
select f.article_id,
       sum(f.predicted) as forecast_interactions,
       sum(f.lower) as forecast_low,
       sum(f.upper) as forecast_high,
       max(f.target_age_h) as forecast_age_h,  -- the horizon, in hours, for the label ("at 7 d")
       bool_or(f.is_prior) as forecast_is_prior  -- any platform's forecast from the prior only
from forecasts as f
where f.subject_kind = 'article' and f.target = 'horizon'
  and (on_platform is null or f.platform = on_platform)
group by f.article_id;
