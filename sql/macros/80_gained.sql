-- title: gained
-- description: what each article gained per platform and metric in the window (as_of - win, as_of].
-- An item's first sample counts only when the item (or its article) was born inside the window,
-- so starting to track an old post does not look like a burst of engagement.
-- grain: one row per (article, platform, metric) with any change in the window
-- params: win INTERVAL, as_of TIMESTAMPTZ = NULL (now)
-- A NULL default, resolved inside: DuckDB evaluates a macro's default once, when the macro is
-- created, so `as_of := now()` would freeze "now" at the last start.
create or replace macro gained(win, as_of := null) as table
select
    d.article_id,
    d.platform,
    d.metric,
    sum(d.delta) filter (where not d.is_first or d.born_at >= coalesce(as_of, now()) - win) as gained,
    max(d.ts) as last_ts
from item_deltas as d
where d.article_id is not null
  and d.ts > coalesce(as_of, now()) - win
  and d.ts <= coalesce(as_of, now())
group by all;
