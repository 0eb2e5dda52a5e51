-- title: Ranking
-- description: what the Most Popular page, the site's box (/api/most-popular) and its embed show:
-- articles ranked by interactions gained in the window (the `most_popular` macro), narrowed to
-- one platform, site, section and author when given (an empty string means all) and re-ranked
-- within what is left. overall_rank is the article's rank before the site/section/author filters.
-- Score columns the macro adds later (expected_interactions, overperformance, forecast_...) pass
-- through, so the page shows them as soon as they exist.
-- grain: one row per ranked article, best first
-- params: win VARCHAR = 24 hours, platform VARCHAR = '', site VARCHAR = '', section VARCHAR = '', author VARCHAR = '', limit INTEGER = 10, as_of TIMESTAMPTZ = now()
-- The top `limit` rows are taken first and numbered after: the same ranks as numbering every
-- filtered row (they are its first `limit` in rank order), without a window and a sort over all
-- of them with their wide columns.
select
    row_number() over (order by t.overall_rank) as rank,
    t.*
from (
    select
        p.rank as overall_rank,
        a.author,
        -- every column of most_popular(), so score columns it adds later (expected_interactions,
        -- overperformance, forecast_...) reach the page without an edit here
        p.* exclude (rank, as_of_sample),
        p.as_of_sample as last_sample_at
    from most_popular(
        cast($win as interval),
        as_of := coalesce(cast($as_of as timestamptz), now()),
        on_platform := nullif($platform, '')
    ) as p
    join tracked_articles as a on a.article_id = p.article_id
    where ($site = '' or p.site = $site)
      and ($section = '' or p.section = $section)
      and ($author = '' or a.author = $author)
    order by p.rank
    limit $limit
) as t
order by rank;
