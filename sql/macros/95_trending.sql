-- title: trending
-- description: what is rising now, not what is biggest. Per article (its items summed over
-- platforms, interactions weighted by metric_weight):
--   v_short = interactions gained over the last short_span_minutes, per hour
--   v_long  = interactions gained over the last long_span_hours, per hour
--   size    = interactions at as_of;  age = hours since the article (or its first post) appeared
--   rank    = the best of its items' latest front-page ranks (rank gauges of the last hour)
--   score = (v_short + 1)^short_weight * (v_long + 1)^long_weight * (size + 1)^size_weight
--           / (age + age_offset_hours)^gravity * (rank_reference / rank)^rank_weight
-- The rank factor is 1 where no platform ranks the story (it then counts as a typical front-page
-- story), so platforms without such a signal degrade to the velocity-and-age score. Gains use the
-- interpolated window start of `item_gains` and are never negative. Constants: analytics_settings
-- (the [trending] config section). acceleration = v_short - v_long (per hour, per hour).
-- grain: one row per article with a sample in the long span
-- params: as_of TIMESTAMPTZ = NULL (now), on_platform VARCHAR = NULL
create or replace macro trending(as_of := null, on_platform := null) as table
with short_g as (
    select * from item_gains(
        to_minutes(cast(analytics_setting('short_span_minutes') as bigint)), as_of := as_of)
    where on_platform is null or platform = on_platform
),
long_g as (
    select * from item_gains(
        to_hours(cast(analytics_setting('long_span_hours') as bigint)), as_of := as_of)
    where on_platform is null or platform = on_platform
),
per_article as (
    select
        l.article_id,
        coalesce(sum(metric_weight(l.metric) * coalesce(s.gained, 0)) filter (where is_interaction(l.metric)), 0)
            as short_gain,
        coalesce(sum(metric_weight(l.metric) * l.gained) filter (where is_interaction(l.metric)), 0) as long_gain,
        coalesce(sum(metric_weight(l.metric) * l.end_value) filter (where is_interaction(l.metric)), 0) as size,
        sum(l.gained) filter (where l.metric = 'views') as views_gained,  -- NULL when no platform reports views
        min(l.born_at) as born_at,
        list_sort(list_distinct(list(l.platform))) as platforms,
        max(l.last_ts) as last_ts,
        list_distinct(list(l.item_id)) as item_ids
    from long_g as l
    left join short_g as s on s.item_id = l.item_id and s.metric = l.metric
    where l.article_id is not null
    group by l.article_id
),
item_ranks as (
    select g.item_id, arg_max(g.value, g.ts) as platform_rank
    from gauges as g
    where g.gauge = 'rank'
      and g.ts <= coalesce(as_of, now()) and g.ts > coalesce(as_of, now()) - interval 1 hour
    group by g.item_id
),
ranks as (
    select p.article_id, min(r.platform_rank) as platform_rank
    from per_article as p, unnest(p.item_ids) as u(item_id)
    join item_ranks as r on r.item_id = u.item_id
    group by p.article_id
),
inputs as (
    select
        p.article_id,
        p.short_gain * 60 / analytics_setting('short_span_minutes') as velocity_short,
        p.long_gain / analytics_setting('long_span_hours') as velocity_long,
        p.size,
        -- epoch_us differences, not TIMESTAMPTZ subtraction (ICU, ~2 us a row): same value
        greatest((epoch_us(coalesce(as_of, now()))
                  - epoch_us(coalesce(p.born_at, a.published_at, a.discovered_at))) / 1e6 / 3600, 0)
            as age_hours,
        r.platform_rank,
        p.platforms,
        p.last_ts,
        p.long_gain,
        p.views_gained
    from per_article as p
    join tracked_articles as a on a.article_id = p.article_id
    left join ranks as r on r.article_id = p.article_id
    where a.untracked_at is null
),
scored as (
    select
        *,
        pow(age_hours + analytics_setting('age_offset_hours'), -analytics_setting('gravity')) as decay,
        case when platform_rank is null then 1.0  -- greatest() ignores NULLs, so test first
             else pow(analytics_setting('rank_reference') / greatest(platform_rank, 1),
                      analytics_setting('rank_weight')) end as rank_factor
    from inputs
)
select
    row_number() over (order by s.score desc, s.article_id) as rank,
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
    s.velocity_long,
    s.velocity_short - s.velocity_long as acceleration,
    s.age_hours,
    s.decay,
    s.platform_rank,
    s.rank_factor,
    s.platforms,
    s.last_ts as as_of_sample
from (
    select *,
        pow(velocity_short + 1, analytics_setting('short_weight'))
        * pow(velocity_long + 1, analytics_setting('long_weight'))
        * pow(size + 1, analytics_setting('size_weight'))
        * decay * rank_factor as score
    from scored
) as s
join tracked_articles as a on a.article_id = s.article_id
order by rank;
