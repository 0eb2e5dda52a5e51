-- title: gained
-- description: what each article gained per platform and metric in the window (as_of - win, as_of],
-- and its total at as_of. Per item: the last value in the window minus the last value before it.
-- An item with no sample before the window counts its first value only when the item (or its
-- article) was born inside the window, so starting to track an old post is not a burst.
-- One grouped pass over samples (no window functions), so it stays fast on large stores.
-- grain: one row per (article, platform, metric) with a sample in the window
-- params: win INTERVAL, as_of TIMESTAMPTZ = NULL (now)
-- A NULL default, resolved inside: DuckDB evaluates a macro's default once, when the macro is
-- created, so `as_of := now()` would freeze "now" at the last start.
create or replace macro gained(win, as_of := null) as table
with per_item as (
    select
        s.item_id,
        s.metric,
        arg_max(s.value, s.ts) as end_value,
        max(s.ts) as last_ts,
        arg_max(s.value, s.ts) filter (where s.ts <= coalesce(as_of, now()) - win) as start_value,
        arg_min(s.value, s.ts) filter (where s.ts > coalesce(as_of, now()) - win) as first_value,
        count(*) filter (where s.ts > coalesce(as_of, now()) - win) as in_window
    from samples as s
    where s.ts <= coalesce(as_of, now())
    group by s.item_id, s.metric
)
select
    i.article_id,
    i.platform,
    p.metric,
    sum(case
            when p.in_window = 0 then 0
            when p.start_value is not null then p.end_value - p.start_value
            when coalesce(i.created_at, a.published_at) >= coalesce(as_of, now()) - win then p.end_value
            else p.end_value - p.first_value
        end) as gained,
    sum(p.end_value) as total,
    max(p.last_ts) filter (where p.in_window > 0) as last_ts
from per_item as p
join items as i on i.item_id = p.item_id
left join tracked_articles as a on a.article_id = i.article_id
where i.article_id is not null
group by i.article_id, i.platform, p.metric
having sum(p.in_window) > 0;
