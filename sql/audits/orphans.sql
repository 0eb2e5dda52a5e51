-- title: orphans
-- description: samples or gauges of an item we do not know, and items pointing at an article we do
-- not know: each is data no ranking can reach.
-- grain: one row per orphaned item id; must return zero rows
select 'samples without item' as problem, s.item_id as id
from (select distinct item_id from samples) as s
anti join items as i on i.item_id = s.item_id
union all
select 'gauges without item' as problem, g.item_id as id
from (select distinct item_id from gauges) as g
anti join items as i on i.item_id = g.item_id
union all
select 'item without article' as problem, i.item_id as id
from items as i
where i.article_id is not null
  and not exists (select 1 from tracked_articles as a where a.article_id = i.article_id);
