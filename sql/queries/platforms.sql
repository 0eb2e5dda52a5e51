-- title: Platforms
-- description: every platform that has posts sharing a tracked article (the platform filter).
-- grain: one row per platform
select distinct unnest(a.platforms) as platform
from articles as a
order by platform;
