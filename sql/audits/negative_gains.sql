-- title: negative gains
-- description: a gain over the last day below zero (counts that go down must gain 0, never less).
-- grain: one row per offending (item, metric); must return zero rows
select g.item_id, g.metric, g.start_value, g.end_value, g.gained
from item_gains(interval 1 day) as g
where g.gained < 0;
