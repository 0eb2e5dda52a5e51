-- title: articles
-- description: every article we know, with how many platform items share it.
-- grain: one row per article (canonical URL)
create or replace view articles as
select
    a.article_id,
    a.url,
    a.title,
    a.site,
    a.section,
    a.author,
    a.published_at,
    a.discovered_at,
    a.source,
    a.untracked_at is null as tracked,
    count(i.item_id) as items,
    coalesce(list_sort(list_distinct(list(i.platform) filter (where i.item_id is not null))), []) as platforms
from tracked_articles as a
left join items as i on i.article_id = a.article_id
group by all;
