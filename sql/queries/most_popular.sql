-- title: Most popular
-- description: articles ranked by interactions gained in the window (every count but views,
-- summed over platforms), as the dashboard page and the site's Most Popular box show them.
-- `win` is an interval string ('1 hour', '24 hours', '7 days'); an empty `platform` means all.
-- grain: one row per ranked article, best first
-- params: win VARCHAR = 24 hours, platform VARCHAR = '', limit INTEGER = 10, as_of TIMESTAMPTZ = now()
select
    p.rank,
    p.article_id,
    p.url,
    p.title,
    p.site,
    p.section,
    p.published_at,
    p.interactions,
    p.views,
    p.total_interactions,
    p.platforms,
    p.as_of_sample as last_sample_at
from most_popular(
    cast($win as interval),
    as_of := coalesce(cast($as_of as timestamptz), now()),
    on_platform := nullif($platform, '')
) as p
order by p.rank
limit $limit;
