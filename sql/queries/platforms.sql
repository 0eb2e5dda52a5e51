-- title: Platforms
-- description: every platform that has posts sharing a tracked article (the platform filter).
-- grain: one row per platform
-- (the `articles` view's platforms, read from items directly: that view groups every article)
select distinct i.platform
from items as i
semi join tracked_articles as a on a.article_id = i.article_id
order by platform;
