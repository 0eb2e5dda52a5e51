-- title: tracked
-- description: tracked articles and items with their latest interactions, newest first (`tracker list`).
-- grain: one row per platform item, plus one per article without items
-- params: platform VARCHAR = NULL, limit INTEGER = 50
select
    coalesce(i.platform, 'article') as platform,
    coalesce(i.item_key, a.url) as key,
    a.title as article,
    coalesce(i.url, a.url) as url,
    case when i.gone_at is not null then coalesce(i.gone_reason, 'gone')
         when a.untracked_at is not null then 'untracked' else 'tracking' end as state,
    (select sum(l.value) from item_latest l where l.item_id = i.item_id and is_interaction(l.metric))::bigint
        as interactions,
    i.last_sampled_at,
    i.next_due_at
from tracked_articles as a
full join items as i on i.article_id = a.article_id
where $platform is null or i.platform = $platform
order by coalesce(i.tracked_at, a.discovered_at) desc
limit $limit;
