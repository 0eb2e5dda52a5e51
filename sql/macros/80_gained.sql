-- title: gained
-- description: what each article gained per platform and metric in the window (as_of - win, as_of],
-- and its total at as_of: the sum over the article's items of `item_gains` (interpolated window
-- start, never negative; see 70_item_gains.sql for the edges), rounded to whole counts.
-- grain: one row per (article, platform, metric) with a sample in the window
-- params: win INTERVAL or VARCHAR ('24 hours', '6h'), as_of TIMESTAMPTZ = NULL (now), and
--   item_gains' filters on_platform, on_site, on_section, on_author VARCHAR = NULL (all)
-- A NULL default, resolved inside: DuckDB evaluates a macro's default once, when the macro is
-- created, so `as_of := now()` would freeze "now" at the last start.
create or replace macro gained(win, as_of := null, on_platform := null, on_site := null, on_section := null,
                               on_author := null) as table
select
    g.article_id,
    g.platform,
    g.metric,
    round(sum(g.gained))::bigint as gained,
    sum(g.end_value)::bigint as total,
    max(g.last_ts) as last_ts
from item_gains(win, as_of := as_of, on_platform := on_platform, on_site := on_site,
                on_section := on_section, on_author := on_author) as g
where g.article_id is not null
group by g.article_id, g.platform, g.metric;
