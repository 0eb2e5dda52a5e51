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
with g as (
    select * from gained(win, as_of := as_of)
    where on_platform is null or platform = on_platform
),
per_article as (
    select
        article_id,
        round(coalesce(sum(metric_weight(metric) * gained) filter (where is_interaction(metric)), 0))::bigint
            as interactions,
        sum(gained) filter (where metric = 'views')::bigint as views,  -- NULL when no platform reports views
        round(coalesce(sum(metric_weight(metric) * total) filter (where is_interaction(metric)), 0))::bigint
            as total_interactions,
        list_sort(list_distinct(list(platform))) as platforms,
        max(last_ts) as last_ts
    from g
    group by article_id
)
select
    row_number() over (order by p.interactions desc, p.views desc, a.published_at desc nulls last,
                       p.article_id) as rank,
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
    p.platforms,
    p.last_ts as as_of_sample
from per_article as p
join tracked_articles as a on a.article_id = p.article_id
left join article_expectations(as_of := as_of, on_platform := on_platform) as e on e.article_id = p.article_id
left join article_forecast(on_platform := on_platform) as f on f.article_id = p.article_id
where a.untracked_at is null
  and (on_site is null or a.site = on_site)
  and (on_section is null or a.section = on_section)
  and (on_author is null or a.author = on_author)
order by rank;
