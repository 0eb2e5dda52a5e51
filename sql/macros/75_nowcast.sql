-- title: nowcast
-- description: each item's estimated count now, between samples, extrapolated from its last two
-- samples along its platform's growth curve (`cadence_curves`; the Python mirror is
-- `tracker.cadence.velocity` + `tracker.cadence.nowcast`, and a test checks they agree).
--   a          = age at the last sample + age_offset_s (age from created_at, else tracked_at)
--   prior      = b * (last_value + 0.3) / a          the peers' rate at that age (b = growth_exponent)
--   exposure   = a / b * (1 - (max(a - gap, age_offset_s) / a) ^ b)   the last gap, in seconds at
--                the rate of the sample's age (0 when there is no earlier sample)
--   rate       = (16 + gain) / (16 / prior + exposure)  the prior, worth 16 counts, updated by the gap's gain
--   nowcast    = last_value + rate * a / b * ((1 + ahead / a) ^ b - 1), ahead = as_of - last_ts
-- A flat gap on which the curve promised many counts pulls the rate down; one on which it
-- promised a fraction of a count (a sparse, step-like item) barely moves it.
-- grain: one row per (item, metric) with a sample in (as_of - lookback, as_of]
-- params: as_of TIMESTAMPTZ = NULL (now), lookback INTERVAL or VARCHAR = '14 days'
create or replace macro nowcast(as_of := null, lookback := '14 days') as table
with last_two as (
    select
        s.item_id,
        s.metric,
        max(s.ts, 2) as tss,
        max_by(s.value, s.ts, 2) as vals
    from samples as s
    where s.ts <= coalesce(as_of, now())
      and s.ts > coalesce(as_of, now()) - as_window(lookback)
    group by s.item_id, s.metric
),
shaped as (
    select
        l.item_id,
        l.metric,
        l.tss[1] as last_ts,
        l.vals[1]::double as last_value,
        coalesce(c.growth_exponent, 0.5) as b,
        coalesce(c.age_offset_s, 1800.0) as age_offset_s,
        greatest(epoch(l.tss[1] - coalesce(i.created_at, i.tracked_at)), 0.0)
            + coalesce(c.age_offset_s, 1800.0) as a,
        case when len(l.tss) = 2 then greatest(l.vals[1] - l.vals[2], 0)::double else 0.0 end as gain,
        case when len(l.tss) = 2 then epoch(l.tss[1] - l.tss[2]) else 0.0 end as gap_s,
        greatest(epoch(coalesce(as_of, now()) - l.tss[1]), 0.0) as ahead_s
    from last_two as l
    join items as i on i.item_id = l.item_id
    left join cadence_curves as c on c.platform = i.platform
),
rated as (
    select
        *,
        (16.0 + gain) / (
            16.0 / (b * (greatest(last_value, 0.0) + 0.3) / a)
            + a / b * (1.0 - pow(greatest(a - gap_s, age_offset_s) / a, b))
        ) as rate_per_s
    from shaped
)
select
    r.item_id,
    r.metric,
    r.last_ts,
    r.last_value::bigint as last_value,
    r.rate_per_s * 3600.0 as rate_per_hour,
    r.last_value + r.rate_per_s * r.a / r.b * (pow(1.0 + r.ahead_s / r.a, r.b) - 1.0) as nowcast
from rated as r;
