-- title: Platform breakdown of the most popular
-- description: for the articles `most_popular` ranks in the window, the interactions each
-- platform contributed in that window (what the stacked bar chart shows).
-- grain: one row per (ranked article, platform)
-- params: win VARCHAR = 24 hours, platform VARCHAR = '', limit INTEGER = 10, as_of TIMESTAMPTZ = now()
with ranked as (
    select p.rank, p.article_id, p.title
    from most_popular(
        cast($win as interval),
        as_of := coalesce(cast($as_of as timestamptz), now()),
        on_platform := nullif($platform, '')
    ) as p
    where p.rank <= $limit
)
select
    r.rank,
    r.article_id,
    r.title,
    g.platform,
    coalesce(sum(g.gained) filter (where is_interaction(g.metric)), 0)::bigint as interactions
from ranked as r
join gained(cast($win as interval), as_of := coalesce(cast($as_of as timestamptz), now())) as g
    on g.article_id = r.article_id
where nullif($platform, '') is null or g.platform = $platform
group by all
order by r.rank, g.platform;
