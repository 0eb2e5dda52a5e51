-- title: Article latest counts
-- description: one article's latest count of every metric per platform (each platform's value
-- sums the latest counts of its posts sharing the article: the last row of `article_series`, read
-- from the `latest_engagement` view instead of the whole series). The article page's table of
-- latest counts and its metric choices.
-- grain: one row per (platform, metric) the article has samples of
-- params: article_id BIGINT
select e.platform, e.metric, e.value, e.ts
from latest_engagement as e
where e.article_id = $article_id
order by e.platform, e.metric;
