-- title: negative counts
-- description: a stored count below zero (no platform reports one; a decoding bug would).
-- grain: one row per offending sample; must return zero rows
select s.item_id, s.metric, s.ts, s.value
from samples as s
where s.value < 0;
