-- title: forecast curves
-- description: interactions over time of every item, and of every article per platform, with
-- the site and birth time the forecaster groups and ages them by. This is the one place the
-- forecaster reads "interactions" (today: the running sum of is_interaction deltas, the same
-- definition as the `engagement` view); switch here when that definition changes.
-- grain: one row per (subject kind, subject, platform, sample time)
with interaction_deltas as (
    select d.*, a.site, coalesce(a.published_at, a.discovered_at) as article_born_at
    from item_deltas as d
    left join tracked_articles as a on a.article_id = d.article_id
    where is_interaction(d.metric)
),
item_times as (
    select item_id, platform, site, born_at, ts, sum(delta) as delta
    from interaction_deltas
    group by all
),
article_times as (
    select article_id, platform, site, article_born_at as born_at, ts, sum(delta) as delta
    from interaction_deltas
    where article_id is not null
    group by all
)
select
    'item' as subject_kind,
    item_id as subject_id,
    platform,
    site,
    born_at,
    ts,
    cast(sum(delta) over (partition by item_id order by ts) as double) as value
from item_times
union all
select
    'article' as subject_kind,
    article_id as subject_id,
    platform,
    site,
    born_at,
    ts,
    cast(sum(delta) over (partition by article_id, platform order by ts) as double) as value
from article_times;
