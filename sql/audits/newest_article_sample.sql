-- title: newest article sample
-- description: the kept newest sample time of an item that shares an article
-- (`newest_article_sample`, migration 0066, read by the freshness badge) differs from the newest
-- such sample stored, or the table does not hold exactly one row.
-- grain: one row when the kept value is wrong; must return zero rows
with kept as (
    select count(*) as n, max(ts) as ts from newest_article_sample
),
actual as (
    select max(l.ts) as ts
    from series_latest as l
    semi join items as i on i.item_id = l.item_id and i.article_id is not null
)
select k.n as kept_rows, k.ts as kept_ts, a.ts as actual_ts
from kept as k, actual as a
where k.n <> 1 or k.ts is distinct from a.ts;
