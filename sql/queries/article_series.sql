-- title: Article series
-- description: every metric of one article per platform over time (each platform's value sums
-- the latest counts of all its posts sharing the article).
-- grain: one row per (platform, metric, sample time)
-- params: article_id BIGINT
select e.platform, e.metric, e.ts, e.value
from engagement as e
where e.article_id = $article_id
order by e.metric, e.platform, e.ts;
