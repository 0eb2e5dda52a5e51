-- title: age_mark_hours
-- description: the ages (hours since an article appeared) at which its interactions are kept in
-- `age_marks`, the points of every expected curve.
-- grain: scalar (a list of hours)
create or replace macro age_mark_hours() as [1, 2, 3, 6, 12, 24, 48, 72, 168];

-- title: article_born_at
-- description: when each article appeared, the zero of its age: its earliest item's creation
-- (a post's created_at, else the article's published time), else the article's published
-- time, else when we discovered it. The same birth as trending()'s age.
-- grain: one row per article with at least one item
-- Computed as: the earliest item creation per article, grouped on items alone (one integer key),
-- then the article's published time taken into the minimum only when some item has no creation
-- time: the same value as min(coalesce(created_at, published_at)) over the joined rows, without
-- grouping 300,000 joined rows by three columns on every ranking (least() skips NULLs).
create or replace macro article_born_at() as table
select a.article_id,
       coalesce(case when i.any_unknown then least(i.first_created, a.published_at) else i.first_created end,
                a.published_at, a.discovered_at) as born_at
from (
    select article_id, min(created_at) as first_created, bool_or(created_at is null) as any_unknown
    from items
    where article_id is not null
    group by article_id
) as i
join tracked_articles as a on a.article_id = i.article_id;

-- title: age_marks_due
-- description: the age marks that have come due by as_of and are not stored yet, ready to insert
-- into `age_marks`. Per (article, platform, metric, mark): the sum over the article's items on that
-- platform of the item's value at born_at + mark_h, interpolated as item_gains does at a window
-- start: on the line between the last sample at or before the mark time and the first after it
-- (within lookback_hours); no sample before it -> on the line from (the item's creation, 0) to the
-- first sample after; an item created after the mark time counts 0.
-- A mark waits until every item of the article on that platform has a sample after the mark time
-- (so the value is bracketed), or until lookback_hours have passed (then the last value holds:
-- an item no longer sampled has stopped moving).
-- grain: one row per (article, platform, metric, mark_h) due and not yet in age_marks
-- params: as_of TIMESTAMPTZ = NULL (now)
create or replace macro age_marks_due(as_of := null) as table
with due as (
    select b.article_id, b.born_at, m.mark_h,
           b.born_at + to_hours(m.mark_h) as mark_ts
    from article_born_at() as b, unnest(age_mark_hours()) as m(mark_h)
    where b.born_at + to_hours(m.mark_h) <= coalesce(as_of, now())
),
item_due as (
    select d.*, i.item_id, i.platform, coalesce(i.created_at, d.born_at) as item_born
    from due as d
    join items as i on i.article_id = d.article_id
    where not exists (
        select 1 from age_marks as am
        where am.article_id = d.article_id and am.platform = i.platform and am.mark_h = d.mark_h
    )
),
near as (  -- the samples around each mark time
    select d.article_id, d.platform, d.mark_h, d.mark_ts, d.born_at, d.item_id, d.item_born,
           s.metric, s.ts, s.value
    from item_due as d
    join samples as s
      on s.item_id = d.item_id
     and s.ts <= d.mark_ts + to_hours(cast(analytics_setting('lookback_hours') as bigint))
     and s.ts <= coalesce(as_of, now())
),
per_item as (
    select article_id, platform, mark_h, mark_ts, born_at, item_id, item_born, metric,
           arg_max(value, ts) filter (where ts <= mark_ts) as b_v,
           max(ts) filter (where ts <= mark_ts) as b_ts,
           arg_min(value, ts) filter (where ts > mark_ts) as a_v,
           min(ts) filter (where ts > mark_ts) as a_ts
    from near
    group by all
),
valued as (
    select *,
        case
            when item_born >= mark_ts then 0
            when b_v is not null and a_v is not null then
                b_v + (a_v - b_v) * epoch(mark_ts - b_ts) / epoch(a_ts - b_ts)
            when b_v is not null then b_v
            else a_v * epoch(mark_ts - item_born) / greatest(epoch(a_ts - item_born), 1)
        end as v,
        a_v is not null
            or mark_ts + to_hours(cast(analytics_setting('lookback_hours') as bigint)) <= coalesce(as_of, now())
            as settled
    from per_item
),
ready as (  -- a mark is written for all of an article's items on a platform at once
    select article_id, platform, mark_h
    from valued
    group by all
    having bool_and(settled)
)
select v.article_id, a.site, v.platform, v.metric, v.mark_h, any_value(v.born_at) as born_at,
       sum(v.v) as value
from valued as v
semi join ready as r using (article_id, platform, mark_h)
join tracked_articles as a on a.article_id = v.article_id
group by v.article_id, a.site, v.platform, v.metric, v.mark_h;
