-- title: sample brackets
-- description: a sample whose stored predecessor (prev_ts, prev_value) is not its series'
-- previous sample, or a series whose `series_latest` row is not its newest sample. The gain
-- macros read windows through these (migration 0040); the write path keeps them right, also for
-- late and re-sent samples, and this checks it did.
-- grain: one row per wrong sample or series; must return zero rows
with expected as (
    select
        s.item_id, s.metric, s.ts, s.prev_ts, s.prev_value,
        lag(s.ts) over w as want_ts,
        lag(s.value) over w as want_value
    from samples as s
    window w as (partition by s.item_id, s.metric order by s.ts)
),
newest as (
    select s.item_id, s.metric, max(s.ts) as ts, arg_max(s.value, s.ts) as value
    from samples as s
    group by s.item_id, s.metric
)
select 'wrong predecessor' as problem, e.item_id, e.metric, e.ts
from expected as e
where e.prev_ts is distinct from e.want_ts or e.prev_value is distinct from e.want_value
union all
select 'wrong latest' as problem, coalesce(n.item_id, l.item_id), coalesce(n.metric, l.metric), n.ts
from newest as n
full join series_latest as l on l.item_id = n.item_id and l.metric = n.metric
where l.ts is distinct from n.ts or l.value is distinct from n.value;
