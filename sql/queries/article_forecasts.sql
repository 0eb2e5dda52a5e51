-- title: Article forecasts
-- description: the latest forecast of each given article, per platform (the `forecasts` view,
-- articles only): the interactions it will have at the target age with the 80% interval, from
-- what count at what age and time, and the one-line basis. target 'horizon' is the forecast
-- horizon (forecast.horizon_h), 'double' twice the article's age when forecast. The Trending
-- page sums platforms; the article page draws each platform's band on its chart.
-- grain: one row per (given article, platform, target) with a forecast
-- params: article_ids BIGINT[], target VARCHAR = horizon
select
    f.article_id,
    f.platform,
    f.target,
    f.target_age_h,
    f.age_h,
    f.interactions_now,
    f.predicted,
    f.lower,
    f.upper,
    f.inputs_at,
    f.made_at,
    f.inputs_at + to_microseconds(cast((f.target_age_h - f.age_h) * 3600e6 as bigint)) as target_at,
    f.is_prior,
    f.basis
from forecasts as f
where f.subject_kind = 'article'
  and list_contains($article_ids, f.article_id)
  and ($target = '' or f.target = $target)
order by f.article_id, f.platform, f.target;
