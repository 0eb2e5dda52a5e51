-- title: Facets
-- description: the sites, sections and authors of tracked articles, with how many articles each
-- has (the Most Popular page's filters).
-- grain: one row per (facet, value)
select 'site' as facet, site as value, count(*) as articles
from articles where tracked and site is not null group by all
union all
select 'section', section, count(*) from articles where tracked and section is not null group by all
union all
select 'author', author, count(*) from articles where tracked and author is not null group by all
order by facet, value;
