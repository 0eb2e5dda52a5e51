-- title: item first sample
-- description: the kept first sample time of an item (`item_first_sample`, migration 0067, which
-- bounds the scan of one article's series) differs from the earliest stored sample of the item,
-- or an item with samples has no kept row, or a kept row has no samples.
-- grain: one row per item whose kept first sample is wrong; must return zero rows
with actual as (
    select item_id, min(ts) as ts
    from samples
    group by item_id
)
select coalesce(a.item_id, k.item_id) as item_id, k.ts as kept_ts, a.ts as actual_ts
from actual as a
full join item_first_sample as k on k.item_id = a.item_id
where k.ts is distinct from a.ts;
