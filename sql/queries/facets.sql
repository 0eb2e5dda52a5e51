-- title: Facets
-- description: the sites, sections and authors of tracked articles, with how many articles each
-- has (the Most Popular page's filters).
-- grain: one row per (facet, value)
-- Read from tracked_articles, not the `articles` view (one row per article too, but it joins
-- and groups every item to count them); tracked = untracked_at is null, as in that view.
select 'site' as facet, site as value, count(*) as articles
from tracked_articles where untracked_at is null and site is not null group by all
union all
select 'section', section, count(*) from tracked_articles where untracked_at is null and section is not null group by all
union all
select 'author', author, count(*) from tracked_articles where untracked_at is null and author is not null group by all
order by facet, value;
