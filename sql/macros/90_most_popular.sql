-- title: most_popular
-- description: articles ranked by interactions gained in the window: the sum over platforms and
-- metrics of metric_weight(metric) x gained (gains from `gained`: interpolated window start, never
-- negative), rounded to a whole number; ties broken by views gained, then by recency.
-- total_interactions is the weighted total at as_of on the platforms that had samples in the
-- window. Filters (NULL = all): on_platform, on_site, on_section, on_author. Each row also carries
-- age_hours, expected_interactions (its site's usual article at this age: article_expectations),
-- overperformance = total_interactions / expected_interactions (below 1: underperforming; NULL
-- without an expectation), expected_basis, and the horizon forecast with its 80% interval
-- (forecast_interactions, forecast_low, forecast_high, forecast_age_h, forecast_is_prior:
-- article_forecast), on on_platform if given.
-- grain: one row per article with engagement in the window
-- params: win INTERVAL or VARCHAR ('24 hours', '6h'), as_of TIMESTAMPTZ = NULL (now),
--   on_platform VARCHAR = NULL, on_site VARCHAR = NULL, on_section VARCHAR = NULL, on_author VARCHAR = NULL
create or replace macro most_popular(win, as_of := null, on_platform := null, on_site := null,
                                     on_section := null, on_author := null) as table
-- The filters go down to item_gains, which joins only the matching items (see there); `ranked`
-- applies the article filters again, as the rank is taken over what they leave.
with g as (
    select * from gained(win, as_of := as_of, on_platform := on_platform, on_site := on_site,
                         on_section := on_section, on_author := on_author)
),
-- Weights joined once (interaction_weights) and platforms kept as a bitmask (platform_bits):
-- a list aggregate per article cost about half of this step; the list is rebuilt for each row.
per_article as (
    select
        g.article_id,
        round(coalesce(sum(w.weight * g.gained), 0))::bigint as interactions,
        sum(g.gained) filter (where g.metric = 'views')::bigint as views,  -- NULL when no platform reports views
        round(coalesce(sum(w.weight * g.total), 0))::bigint as total_interactions,
        bit_or(platform_bit_of(b.bit)) as platform_mask,
        max(g.last_ts) as last_ts
    from g
    join platform_bits() as b on b.platform = g.platform
    left join interaction_weights() as w on w.metric = g.metric
    group by g.article_id
),
-- The rank on narrow rows: a window over the output's wide columns (url, title, lists) cost
-- several times more for the same order.
ranked as (
    select
        p.*,
        row_number() over (order by p.interactions desc, p.views desc, a.published_at desc nulls last,
                           p.article_id) as rank
    from per_article as p
    join tracked_articles as a on a.article_id = p.article_id
    where a.untracked_at is null
      and (on_site is null or a.site = on_site)
      and (on_section is null or a.section = on_section)
      and (on_author is null or a.author = on_author)
)
select
    p.rank,
    p.article_id,
    a.url,
    a.title,
    a.site,
    a.section,
    a.published_at,
    p.interactions,
    p.views,
    p.total_interactions,
    e.age_h as age_hours,
    e.expected_interactions,
    overperformance(p.total_interactions, e.expected_interactions) as overperformance,
    coalesce(e.expected_basis, 'too little history') as expected_basis,
    f.forecast_interactions,
    f.forecast_low,
    f.forecast_high,
    f.forecast_age_h,
    f.forecast_is_prior,
    platform_list(p.platform_mask) as platforms,
    p.last_ts as as_of_sample
from ranked as p
join tracked_articles as a on a.article_id = p.article_id
left join article_expectations(as_of := as_of, on_platform := on_platform) as e on e.article_id = p.article_id
left join article_forecast(on_platform := on_platform) as f on f.article_id = p.article_id
order by p.rank;
