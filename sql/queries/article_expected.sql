-- title: Article expected curve
-- description: the site's usual interactions at each age laid over one article's life, for the
-- article page's cumulative chart: the `expected_curves` trimmed mean of comparable articles (read
-- through expected_curves_or_stored: the stored copy unless as_of is before it; all
-- platforms together; the site's own curve when it has history, else the all-sites curve), as
-- points in time from the article's birth (article_born_at): 0 at birth, each age mark up to
-- `until`, and the value at as_of and at `until` by `expected_at` on the segment each falls in
-- (flat past the last mark), so the line ends where the chart does. `expected` is NULL where the
-- curve has too little history (basis says so).
-- grain: one row per point of the curve, oldest first (none for an unknown article or one without items)
-- params: article_id BIGINT, until TIMESTAMPTZ = NULL (as_of), as_of TIMESTAMPTZ = now()
with clock as (
    select coalesce(cast($as_of as timestamptz), now()) as as_of,
           greatest(coalesce(cast($until as timestamptz), cast($as_of as timestamptz), now()),
                    coalesce(cast($as_of as timestamptz), now())) as until
),
born as (
    select b.born_at, a.site
    from article_born_at() as b
    join tracked_articles as a on a.article_id = b.article_id
    where b.article_id = $article_id
),
picked as (  -- the site's curve when it has one, else the all-sites curve (site NULL)
    select c.*
    from expected_curves_or_stored(as_of := coalesce(cast($as_of as timestamptz), now())) as c
    where c.site is null or c.site = (select site from born)
    qualify dense_rank() over (order by c.site is null) = 1
),
ends as (  -- now and the chart's end, as ages
    select t.ts, greatest(epoch(t.ts - b.born_at) / 3600, 0) as age_h
    from born as b
    cross join (select as_of as ts from clock union select until from clock) as t
)
select b.born_at as ts, 0.0 as age_h, 0.0 as expected, 'birth' as basis
from born as b
union all
select b.born_at + to_hours(p.mark_h) as ts, cast(p.mark_h as double) as age_h, p.expected, p.basis
from picked as p
cross join born as b
cross join clock as k
where b.born_at + to_hours(p.mark_h) <= k.until
union all
select e.ts, e.age_h,
       expected_at(e.age_h, p.prev_mark_h, p.prev_expected, p.mark_h, p.expected) as expected,
       p.basis
from ends as e
join picked as p on p.mark_h = age_mark_ceiling(e.age_h)
order by ts;
