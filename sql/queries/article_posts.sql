-- title: Article posts
-- description: the posts that spread one article, each with its own latest counts (interactions
-- as in most_popular, and views), when it was posted and when we first saw it.
-- grain: one row per platform item sharing the article, most interactions first
-- params: article_id BIGINT
with posts as (
    select * from items where article_id = $article_id
),
latest as (  -- each post's newest sample per metric, kept by the write path (no scan of samples)
    select l.item_id, l.metric, l.value, l.ts
    from series_latest as l
    where l.item_id in (select item_id from posts)
)
select
    p.platform,
    p.item_key,
    p.url,
    p.title,
    p.author,
    p.created_at,
    p.tracked_at as first_seen_at,
    p.gone_reason,
    coalesce(sum(l.value) filter (where is_interaction(l.metric)), 0)::bigint as interactions,
    sum(l.value) filter (where l.metric = 'views')::bigint as views,
    max(l.ts) as last_sample_at
from posts as p
left join latest as l on l.item_id = p.item_id
group by p.platform, p.item_key, p.url, p.title, p.author, p.created_at, p.tracked_at, p.gone_reason
order by interactions desc, first_seen_at, p.platform, p.item_key;
