-- title: Ranking inputs
-- description: what each ranked article's score is made of: the interactions (and views) it
-- gained in the window per platform and metric, and its total at as_of (the `gained` macro).
-- The Most Popular page shows them as the per-platform split and in each row's "why" panel.
-- grain: one row per (article, platform, metric) with samples in the window
-- params: article_ids BIGINT[], win VARCHAR = 24 hours, platform VARCHAR = '', as_of TIMESTAMPTZ = now()
select g.article_id, g.platform, g.metric, g.gained::bigint as gained, g.total::bigint as total,
       is_interaction(g.metric) as is_interaction
from gained(cast($win as interval), as_of := coalesce(cast($as_of as timestamptz), now())) as g
where list_contains($article_ids, g.article_id)
  and (nullif($platform, '') is null or g.platform = $platform)
order by g.article_id, g.platform, g.metric;
