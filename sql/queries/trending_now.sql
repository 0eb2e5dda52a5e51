-- title: Trending now
-- description: what gained the most interactions in the last hour (the `trending` macro).
-- grain: one row per article with engagement in the last hour, best first
-- params: platform VARCHAR = '', limit INTEGER = 10, as_of TIMESTAMPTZ = now()
select
    t.rank,
    t.article_id,
    t.url,
    t.title,
    t.site,
    t.section,
    t.published_at,
    t.interactions,
    t.views,
    t.total_interactions,
    t.platforms,
    t.as_of_sample as last_sample_at
from trending(
    as_of := coalesce(cast($as_of as timestamptz), now()),
    on_platform := nullif($platform, '')
) as t
order by t.rank
limit $limit;
