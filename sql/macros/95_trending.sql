-- title: trending
-- description: what is rising now, not what is biggest. Per article (its items summed over
-- platforms, interactions weighted by metric_weight):
--   v_short = interactions gained over the last short_span_minutes, per hour
--   v_mid   = interactions gained over the last mid_span_hours, per hour
--   v_long  = interactions gained over the last long_span_hours, per hour
--   size    = interactions at as_of;  age = hours since the article (or its first post) appeared
--   discussion = the comments and replies among them (at as_of)
--   rank    = the best of its items' latest front-page ranks (rank gauges of the last hour);
--   rank_before = the same an hour earlier (rank gauges of the hour before that), rank_entry if none;
--   rank_before_2h = the same two hours earlier (rank gauges of the third hour back), rank_entry if none
--   score = (v_short + 1)^short_weight(age) * (v_mid + 1)^mid_weight(age) * (v_long + 1)^long_weight(age)
--           * (size + 1)^size_weight(age) * decay(age) * rank_factor * discussion_factor
--   decay(age) = the age curve given point by point (decay_0h ... decay_24h, age_decay); the
--           weights short_weight, mid_weight, long_weight, size_weight, rank_weight and rank_slope
--           depend on the age too, given at 0, 3 and 12 hours (weight_at_age: <name>_0h, <name>_3h, <name>_12h)
--   rank_factor = (rank_reference / rank)^rank_weight(age) * exp(-rank_slope(age) * (rank - rank_reference) / rank_reference)
--                 * (rank_before / rank)^rank_change_weight * (rank_before_2h / rank)^rank_change_2h_weight
--   discussion_factor = ((discussion + 1) / (size - discussion + 1))^discussion_weight, 1 where no
--           platform reports comments or replies for the article (so it does not act as a size term)
-- The score is a product of powers, so its logarithm is a sum of the logged inputs, each with a
-- weight (the age curve and the velocity weights interpolated between the listed ages): the
-- constants were fitted on the first 70% of the Hacker News history (bench/trending.py). The rank
-- factor is 1 where no platform ranks the story (it then counts as a typical front-page story),
-- so platforms without such a signal degrade to the velocity, size, age and discussion score.
-- Gains use the interpolated window start of `item_gains` (its three windows read in one pass by
-- `item_window_gains`) and are never negative. Constants:
-- analytics_settings (the [trending] config section), read once through trending_settings().
-- acceleration = v_short - v_long (per hour, per hour). Each row also carries expected_interactions (its site's usual article at this age,
-- article_expectations), overperformance = total_interactions / expected_interactions, its
-- expected_basis, and the forecast at the horizon with its 80% interval, the horizon's age and
-- whether it came from the prior (article_forecast).
-- grain: one row per article with a sample in the long span
-- params: as_of TIMESTAMPTZ = NULL (now), on_platform VARCHAR = NULL
create or replace macro trending(as_of := null, on_platform := null) as table
-- the constants, read once into one struct column that every row carries (cfg.decay_3h, ...):
-- one scan of analytics_settings instead of a scalar subquery per use
with settings as materialized (select c as cfg from trending_settings() as c),
spans as materialized (  -- the three windows, as intervals
    select
        to_minutes(cast(analytics_setting('short_span_minutes') as bigint)) as short_win,
        to_minutes(cast(analytics_setting('mid_span_hours') * 60 as bigint)) as mid_win,
        to_hours(cast(analytics_setting('long_span_hours') as bigint)) as long_win
),
gains as (  -- the three windows' gains in one pass (item_window_gains), tagged by window
    select
        g.*,
        g.span = (select short_win from spans) as in_short,
        g.span = (select mid_win from spans) as in_mid,
        g.span = (select long_win from spans) as in_long,
        -- looked up once per row, not once per sum below
        is_interaction(g.metric) as counted,
        metric_weight(g.metric) as weight
    from item_window_gains(
        [to_minutes(cast(analytics_setting('short_span_minutes') as bigint)),
         to_minutes(cast(analytics_setting('mid_span_hours') * 60 as bigint)),
         to_hours(cast(analytics_setting('long_span_hours') as bigint))],
        as_of := as_of) as g
    where on_platform is null or g.platform = on_platform
),
item_ranks as (
    select g.item_id, arg_max(g.value, g.ts) as platform_rank
    from gauges as g
    where g.gauge = 'rank'
      and g.ts <= coalesce(as_of, now()) and g.ts > coalesce(as_of, now()) - interval 1 hour
    group by g.item_id
),
item_ranks_before as (  -- an hour earlier: the latest rank in the hour before the last one
    select g.item_id, arg_max(g.value, g.ts) as platform_rank
    from gauges as g
    where g.gauge = 'rank'
      and g.ts <= coalesce(as_of, now()) - interval 1 hour
      and g.ts > coalesce(as_of, now()) - interval 2 hour
    group by g.item_id
),
item_ranks_before_2h as (  -- two hours earlier: the latest rank in the third hour back
    select g.item_id, arg_max(g.value, g.ts) as platform_rank
    from gauges as g
    where g.gauge = 'rank'
      and g.ts <= coalesce(as_of, now()) - interval 2 hour
      and g.ts > coalesce(as_of, now()) - interval 3 hour
    group by g.item_id
),
-- Platforms kept as a bitmask (platform_bits) and the list rebuilt per output row, and the items'
-- front-page ranks folded into this one aggregate: list aggregates per article were the costliest step.
per_article as (  -- an item listed in a shorter window is listed in the long one (it is the widest)
    select
        l.article_id,
        coalesce(sum(l.weight * l.gained) filter (where l.in_short and l.counted), 0) as short_gain,
        coalesce(sum(l.weight * l.gained) filter (where l.in_mid and l.counted), 0) as mid_gain,
        coalesce(sum(l.weight * l.gained) filter (where l.in_long and l.counted), 0) as long_gain,
        coalesce(sum(l.weight * l.end_value) filter (where l.in_long and l.counted), 0) as size,
        -- NULL when no platform reports comments or replies for it: the factor is then 1
        sum(l.weight * l.end_value)
            filter (where l.in_long and l.counted and l.metric in ('comments', 'replies')) as discussion,
        sum(l.gained) filter (where l.in_long and l.metric = 'views') as views_gained,  -- NULL when no platform reports views
        min(l.born_at) as born_at,
        bit_or(platform_bit_of(b.bit)) filter (where l.in_long) as platform_mask,
        max(l.last_ts) as last_ts,
        -- the best rank among its items in the long span, and those items' ranks one and two hours earlier
        min(r.platform_rank) filter (where l.in_long) as platform_rank,
        min(rb.platform_rank) filter (where l.in_long and r.item_id is not null) as rank_before,
        min(rb2.platform_rank) filter (where l.in_long and r.item_id is not null) as rank_before_2h
    from gains as l
    join platform_bits() as b on b.platform = l.platform
    left join item_ranks as r on r.item_id = l.item_id
    left join item_ranks_before as rb on rb.item_id = l.item_id
    left join item_ranks_before_2h as rb2 on rb2.item_id = l.item_id
    where l.article_id is not null
    group by l.article_id
    having bool_or(l.in_long)
),
inputs as (
    select
        p.article_id,
        p.short_gain * 60 / cfg.short_span_minutes as velocity_short,
        p.mid_gain / cfg.mid_span_hours as velocity_mid,
        p.long_gain / cfg.long_span_hours as velocity_long,
        p.size,
        p.discussion,
        -- epoch_us differences, not TIMESTAMPTZ subtraction (ICU, ~2 us a row): same value
        greatest((epoch_us(coalesce(as_of, now()))
                  - epoch_us(coalesce(p.born_at, a.published_at, a.discovered_at))) / 1e6 / 3600, 0)
            as age_hours,
        p.platform_rank,
        coalesce(p.rank_before, cfg.rank_entry) as rank_before,
        coalesce(p.rank_before_2h, cfg.rank_entry) as rank_before_2h,
        p.platform_mask,
        p.last_ts,
        p.long_gain,
        p.views_gained,
        settings.cfg
    from per_article as p
    join tracked_articles as a on a.article_id = p.article_id
    cross join settings
    where a.untracked_at is null
),
weighted as (  -- the age curve and the weights at each story's age
    select
        i.*,
        age_decay(i.age_hours, i.cfg) as decay,
        weight_at_age(i.age_hours, cfg.short_weight_0h, cfg.short_weight_3h, cfg.short_weight_12h) as short_weight,
        weight_at_age(i.age_hours, cfg.mid_weight_0h, cfg.mid_weight_3h, cfg.mid_weight_12h) as mid_weight,
        weight_at_age(i.age_hours, cfg.long_weight_0h, cfg.long_weight_3h, cfg.long_weight_12h) as long_weight,
        weight_at_age(i.age_hours, cfg.size_weight_0h, cfg.size_weight_3h, cfg.size_weight_12h) as size_weight,
        weight_at_age(i.age_hours, cfg.rank_weight_0h, cfg.rank_weight_3h, cfg.rank_weight_12h) as rank_weight,
        weight_at_age(i.age_hours, cfg.rank_slope_0h, cfg.rank_slope_3h, cfg.rank_slope_12h) as rank_slope
    from inputs as i
),
scored as (
    select
        w.* exclude (cfg),  -- the struct stops here
        case when w.platform_rank is null then 1.0  -- greatest() ignores NULLs, so test first
             else pow(cfg.rank_reference / greatest(w.platform_rank, 1), w.rank_weight)
                  * exp(-w.rank_slope * (greatest(w.platform_rank, 1) - cfg.rank_reference) / cfg.rank_reference)
                  * pow(greatest(w.rank_before, 1) / greatest(w.platform_rank, 1), cfg.rank_change_weight)
                  * pow(greatest(w.rank_before_2h, 1) / greatest(w.platform_rank, 1), cfg.rank_change_2h_weight)
        end as rank_factor,
        coalesce(pow((w.discussion + 1) / (w.size - w.discussion + 1), cfg.discussion_weight), 1.0)
            as discussion_factor
    from weighted as w
)
select
    s.rank,
    s.article_id,
    a.url,
    a.title,
    a.site,
    a.section,
    a.published_at,
    s.score,
    round(s.long_gain)::bigint as interactions,
    round(s.views_gained)::bigint as views,
    round(s.size)::bigint as total_interactions,
    s.velocity_short,
    s.velocity_mid,
    s.velocity_long,
    s.velocity_short - s.velocity_long as acceleration,
    s.age_hours,
    s.decay,
    s.short_weight,
    s.mid_weight,
    s.long_weight,
    s.size_weight,
    s.platform_rank,
    case when s.platform_rank is not null then s.rank_before end as rank_before,
    case when s.platform_rank is not null then s.rank_before_2h end as rank_before_2h,
    s.rank_factor,
    round(s.discussion)::bigint as discussion,
    s.discussion_factor,
    e.expected_interactions,
    overperformance(s.size, e.expected_interactions) as overperformance,
    coalesce(e.expected_basis, 'too little history') as expected_basis,
    f.forecast_interactions,
    f.forecast_low,
    f.forecast_high,
    f.forecast_age_h,
    f.forecast_is_prior,
    platform_list(s.platform_mask) as platforms,
    s.last_ts as as_of_sample
from (  -- ranked before the wide columns join: a window over them cost several times more
    select *, row_number() over (order by score desc, article_id) as rank
    from (
        select *,
            pow(velocity_short + 1, short_weight)
            * pow(velocity_mid + 1, mid_weight)
            * pow(velocity_long + 1, long_weight)
            * pow(size + 1, size_weight)
            * decay * rank_factor * discussion_factor as score
        from scored
    )
) as s
join tracked_articles as a on a.article_id = s.article_id
left join article_expectations(as_of := as_of, on_platform := on_platform) as e on e.article_id = s.article_id
left join article_forecast(on_platform := on_platform) as f on f.article_id = s.article_id
order by s.rank;
