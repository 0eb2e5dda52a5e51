-- title: Article detail
-- description: one article: what we know about it, where it is shared, and its latest totals
-- (interactions summed over platforms, views, and when it was last sampled).
-- grain: one row for the article, none if the id is unknown
-- params: article_id BIGINT
with totals as (
    select
        coalesce(sum(value) filter (where is_interaction(metric)), 0)::bigint as total_interactions,
        coalesce(sum(value) filter (where metric = 'views'), 0)::bigint as total_views,
        max(ts) as last_sample_at
    from latest_engagement
    where article_id = $article_id
)
select
    a.article_id,
    a.url,
    a.title,
    a.site,
    a.section,
    a.author,
    a.published_at,
    a.discovered_at,
    a.tracked,
    a.items,
    a.platforms,
    t.total_interactions,
    t.total_views,
    t.last_sample_at
from articles as a
cross join totals as t
where a.article_id = $article_id;
