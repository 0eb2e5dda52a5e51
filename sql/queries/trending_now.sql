-- title: Trending now
-- description: what is rising now (the `trending` macro: velocity, size, age decay and the
-- platform's rank where there is one), with the inputs that explain each score. Score columns
-- the macro adds later (expected_interactions, overperformance, forecast_...) pass through.
-- grain: one row per article with a sample in the long span (6 h), best first
-- params: platform VARCHAR = '', limit INTEGER = 10, as_of TIMESTAMPTZ = now()
select
    -- every column of trending(): rank, article_id, url, title, site, section, published_at,
    -- score and its inputs (velocity_short, velocity_mid, velocity_long, acceleration, age_hours,
    -- decay, the age-dependent weights, platform_rank, rank_before, rank_before_2h, rank_factor), interactions, views, total_interactions, platforms, and any
    -- score column it adds later (expected_interactions, overperformance, forecast_...)
    t.* exclude (as_of_sample),
    t.as_of_sample as last_sample_at
from trending(
    as_of := coalesce(cast($as_of as timestamptz), now()),
    on_platform := nullif($platform, '')
) as t
order by t.rank
limit $limit;
