-- title: item_window_gains
-- description: what each platform item gained per metric over the window (t0, t1], t1 = as_of
-- (now when NULL), t0 = t1 - win.
--   end_value   = the item's last sample at or before t1
--   start_value = the value at t0, interpolated on the straight line between the last sample at or
--                 before t0 and the first sample after it (not simply the last sample before t0,
--                 which would credit a sparse item with growth that happened before the window).
--   gained      = greatest(end_value - start_value, 0)
-- Edges: no sample after t0 -> the item is not listed (it gained nothing we saw); no sample after
-- the first sample before t0 is the same thing. No sample before t0 (within lookback_hours):
-- born inside the window -> start_value = 0 (all of it is new); born before -> interpolated
-- between (born_at, 0) and the first sample after t0 (growth spread evenly since birth, so starting
-- to track an old post is not a burst); born_at unknown -> the first sample after t0 (only growth
-- we saw counts). Counts that go down (deleted posts, vote fuzzing, revised totals) never give a
-- negative gain: only the endpoints matter and a negative difference is 0.
-- How it is read (migration 0040): each sample row carries its series' previous sample
-- (prev_ts, prev_value), so the first sample after t0 is the one row per series with
-- ts in (t0, t1] and prev_ts <= t0 (or no prev: the series' first sample), and its prev is the
-- last sample at or before t0 (used when it lies within lookback_hours, as above). The end value
-- is the row whose prev is the last sample at or before t1: `series_latest` when nothing came
-- after t1 (always, when as_of is now), else the first row after t1. No group-by over history:
-- only rows in (t0, t1] (and after t1 for a past as_of) are read, and samples arrive in time
-- order, so DuckDB's zone maps skip every older row group.
-- item_window_gains(wins, as_of) is the same for several windows in one pass (one row per item,
-- metric and window, `span` saying which): the windows' rows are read in one scan of the widest
-- window, and the end values (the same rows for every window) and the items' birth are joined
-- once; trending() reads its 30-minute, 2-hour and 6-hour gains so. item_gains(win) is it with one.
-- Filters (NULL = all): on_platform (the item's), on_site, on_section, on_author (its article's;
-- given, they drop items without a tracked article). They are applied where the items are joined,
-- so DuckDB joins the few matching items first and reads only their series' rows: a ranking of
-- one section or platform costs what its items cost (filtering the finished rows instead cost as
-- much as the whole ranking; docs/benchmarks.md).
-- grain: one row per (item, metric, window) with a sample in the window
-- params: wins INTERVAL[], as_of TIMESTAMPTZ = NULL (now), on_platform VARCHAR = NULL,
--   on_site VARCHAR = NULL, on_section VARCHAR = NULL, on_author VARCHAR = NULL
create or replace macro item_window_gains(wins, as_of := null, on_platform := null, on_site := null,
                                          on_section := null, on_author := null) as table
with windows as (
    select w.span, coalesce(as_of, now()) - w.span as t0
    from (select unnest(list_distinct(wins)) as span) as w  -- a window given twice is one window
),
starts as (
    select
        w.span,
        w.t0,
        s.item_id,
        s.metric,
        s.ts as after_ts,
        s.value as after_value,
        case when epoch_us(s.prev_ts) > epoch_us(w.t0)
                   - cast(analytics_setting('lookback_hours') * 3600000000 as bigint)
             then s.prev_ts end as before_ts,
        case when epoch_us(s.prev_ts) > epoch_us(w.t0)
                   - cast(analytics_setting('lookback_hours') * 3600000000 as bigint)
             then s.prev_value end as before_value
    from (
        select * from samples
        where ts > (select min(t0) from windows)  -- the widest window: zone maps skip older row groups
          and ts <= coalesce(as_of, now())
    ) as s
    join windows as w on s.ts > w.t0 and (s.prev_ts is null or s.prev_ts <= w.t0)
),
-- the last sample at or before t1 (within the widest window): every window's end value. A window
-- with a start row has its end after t0 (the end is at or after that row), so no filter per window.
ends as (
    select s.item_id, s.metric, s.prev_ts as end_ts, s.prev_value as end_value
    from samples as s
    where s.ts > coalesce(as_of, now())
      and s.prev_ts <= coalesce(as_of, now())
      and s.prev_ts > coalesce(as_of, now()) - list_max(wins)
    union all
    select l.item_id, l.metric, l.ts as end_ts, l.value as end_value
    from series_latest as l
    where l.ts <= coalesce(as_of, now())
      and l.ts > coalesce(as_of, now()) - list_max(wins)
),
per_item as (
    select st.*, e.end_ts, e.end_value
    from starts as st
    join ends as e on e.item_id = st.item_id and e.metric = st.metric
),
-- Per-row time arithmetic is on epoch microseconds: TIMESTAMPTZ minus TIMESTAMPTZ goes through
-- ICU's calendar (about 2 us a row, seconds over a day's series); epoch_us differences do not.
-- epoch_us(x) / 1e6 is what epoch() of the interval gave, so the values are the same.
born as (
    select p.*, i.platform, i.article_id, item_born_at(i.created_at, a.published_at) as born_at
    from per_item as p
    join items as i on i.item_id = p.item_id
    left join tracked_articles as a on a.article_id = i.article_id
    where (on_platform is null or i.platform = on_platform)
      and (on_site is null or a.site = on_site)
      and (on_section is null or a.section = on_section)
      and (on_author is null or a.author = on_author)
),
started as (
    select
        b.*,
        case
            when b.before_value is not null then
                b.before_value + (b.after_value - b.before_value)
                    * ((epoch_us(b.t0) - epoch_us(b.before_ts)) / 1e6)
                    / ((epoch_us(b.after_ts) - epoch_us(b.before_ts)) / 1e6)
            when b.born_at >= b.t0 then 0
            when b.born_at is not null then
                b.after_value
                    * ((epoch_us(b.t0) - epoch_us(b.born_at)) / 1e6)
                    / greatest((epoch_us(b.after_ts) - epoch_us(b.born_at)) / 1e6, 1)
            else b.after_value
        end as start_value
    from born as b
)
select
    span,
    item_id,
    platform,
    article_id,
    metric,
    born_at,
    start_value,
    end_value,
    greatest(end_value - start_value, 0) as gained,
    end_ts as last_ts
from started;

-- title: item_gains
-- description: item_window_gains for one window (above): what each platform item gained per metric
-- over (as_of - win, as_of], with its filters.
-- grain: one row per (item, metric) with a sample in the window
-- params: win INTERVAL or VARCHAR ('6h'), as_of TIMESTAMPTZ = NULL (now), on_platform VARCHAR = NULL,
--   on_site VARCHAR = NULL, on_section VARCHAR = NULL, on_author VARCHAR = NULL
create or replace macro item_gains(win, as_of := null, on_platform := null, on_site := null,
                                   on_section := null, on_author := null) as table
select item_id, platform, article_id, metric, born_at, start_value, end_value, gained, last_ts
from item_window_gains([as_window(win)], as_of := as_of, on_platform := on_platform, on_site := on_site,
                       on_section := on_section, on_author := on_author);
