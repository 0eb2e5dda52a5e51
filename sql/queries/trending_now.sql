-- title: Trending now
-- description: what is rising now (the `trending` macro: velocity, size, age decay and the
-- platform's rank where there is one), with the inputs that explain each score.
-- grain: one row per article with a sample in the long span (3 h), best first
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
    t.score,
    t.velocity_short,
    t.velocity_long,
    t.acceleration,
    t.age_hours,
    t.decay,
    t.platform_rank,
    t.rank_factor,
    t.as_of_sample as last_sample_at
from trending(
    as_of := coalesce(cast($as_of as timestamptz), now()),
    on_platform := nullif($platform, '')
) as t
order by t.rank
limit $limit;
