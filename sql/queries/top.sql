-- title: top
-- description: Most Popular for the command line and the site's box: articles ranked by
-- interactions gained in the window.
-- grain: one row per article
-- params: win INTERVAL, platform VARCHAR = NULL, limit INTEGER = 10
select rank, title, url, interactions, views, total_interactions, platforms
from most_popular($win, on_platform := $platform)
order by rank
limit $limit;
