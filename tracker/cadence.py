"""Adaptive sampling cadence: spend a platform's request budget where a sample changes what
editors see (docs/cadence.md has the measurements behind every choice).

Each item's interactions are modelled as a power law of its age, `count ~ (age + offset)^beta`,
so its velocity decays as it ages (the shape Szabo and Huberman describe), with bursts around
the curve. The exponent `beta` and the burstiness are the peers' prior, refitted per platform
from stored samples (`refit_curves` -> `cadence_curves`), so a new item with one sample already
has a sensible velocity: `beta * count / age`. The last gap updates that rate by the evidence
it carries (a Gamma-Poisson update, `velocity`): 200 new likes decide; a flat gap on which the
curve promised a fraction of a count (a sparse, step-like item) barely moves it.

What a late sample costs is the error of the straight line editors see between two samples
(`gap_error`: the curve's bend under the chord plus the bursts around it, as a share of the
item's size). An item is due when its open gap's expected error reaches `target_error`
(`next_intervals`): equal marginal error per sample is what spends a fixed budget with the
least total error. Between samples, `urgency` (time since the last sample over the interval)
orders the due items, and `pick` takes the round's budget. Old items that stayed flat where the
curve promised many counts are rechecked only every `flat_recheck_s`. `nowcast` estimates an
item's count now from its last sample (the SQL macro `nowcast` is the same formula).

Everything works on numpy arrays (one call per round, not per item); the runner and
`bench/cadence.py` call these same functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import polars as pl

from tracker.config import CadenceConfig

if TYPE_CHECKING:
    from tracker.store import Store

Floats = npt.NDArray[np.float64]

PSEUDO_COUNT = 0.3  # a 0-count item still may grow: its prior velocity is that of a 0.3-count item
# "Relative change" of small counts is taken against at least this size: an item at 0-2 counts
# is weighed as a 3-count one, since its error is judged against the peak it will reach (a UCI
# Facebook item at 1 share at 6 h gains 5 more on average), not the 1 it has now. With 2 the
# items that end at 1-5 counts took a quarter more samples than fixed polling gives them, and
# those ending at 1 a larger error (their one step comes at a random time); docs/cadence.md.
SIZE_FLOOR = 3.0
EVIDENCE_COUNTS = 16.0  # the age prior weighs as much as a gap that saw this many counts (bursts
# make a gap's counts worth less than Poisson's: 4 Poisson counts at 4x over-dispersion)
BRIDGE_MEAN_ABS = 0.31  # mean |Brownian bridge| over a gap, per sqrt(variance): sqrt(2/pi) * pi/8
BURSTINESS = 2.0  # Poisson noise around the curve, over-dispersed this many times
SIZE_HORIZON_S = 0.0  # an error is measured against the size expected this far ahead
FLAT_EVIDENCE_COUNTS = 12.0  # a gap that promised this many counts and saw none means flat
FLAT_GAP_SHARE = 0.25  # ... over a gap of at least this share of its age (bursty counts pause often)
MIN_BETA, MAX_BETA = 0.05, 0.95  # growth exponents outside this range are noise, not curves
MIDPOINT_MEAN_ABS = 0.399  # mean |Brownian bridge| at mid-gap, per unit of the gap's sd: sqrt(2/pi)/2
MAX_BURST_SHARE = 1.5
MIN_FIT_ITEMS = 20  # fewer items (or sample triples) than this: keep the configured values


@dataclass(frozen=True)
class Observed:
    """One sample per item just taken, with the item's previous one (NaN when there is none)."""

    total: Floats  # interactions now (or views for view-only items)
    age_s: Floats  # seconds since the item was created (or first tracked)
    prev_total: Floats  # the previous sample's total, NaN for a first sample
    gap_s: Floats  # seconds since the previous sample, NaN for a first sample


def observed(
    total: Sequence[float] | Floats,
    age_s: Sequence[float] | Floats,
    prev_total: Sequence[float | None] | Floats,
    gap_s: Sequence[float | None] | Floats,
) -> Observed:
    """Build an `Observed` from plain sequences (None means no previous sample)."""

    def arr(values: Sequence[float | None] | Floats) -> Floats:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    return Observed(arr(total), np.maximum(arr(age_s), 0.0), arr(prev_total), arr(gap_s))


def observed_frame(frame: pl.DataFrame) -> Observed:
    """An `Observed` from the runner's frame: new_total, age_s, prev_total, elapsed_s (nulls
    where there is no previous sample or no known age)."""

    def column(name: str, missing: float) -> Floats:
        return frame[name].cast(pl.Float64).fill_null(missing).to_numpy().astype(np.float64)

    return Observed(
        column("new_total", 0.0),
        np.maximum(column("age_s", 0.0), 0.0),
        column("prev_total", np.nan),
        column("elapsed_s", np.nan),
    )


def velocity(obs: Observed, cadence: CadenceConfig) -> Floats:
    """Counts per second at the sample's age: the peers' age prior updated by the last gap.

    A Gamma prior on the rate (worth `EVIDENCE_COUNTS` counts, mean `beta * (count + PSEUDO_COUNT) / age`)
    updated by the gap's Poisson evidence: the counts it saw over its exposure (the gap's length
    weighted by the power law's decay, so the rate is the one at the sample's age). A gap that
    saw 200 new counts decides; a flat gap on which the prior promised 0.3 counts (a sparse,
    step-like count) barely moves the estimate; one on which it promised 50 pulls it down hard.
    """
    b = cadence.growth_exponent
    age = obs.age_s + cadence.age_offset_s
    prior = b * (np.maximum(obs.total, 0.0) + PSEUDO_COUNT) / age
    has_prev = ~np.isnan(obs.prev_total) & ~np.isnan(obs.gap_s) & (np.nan_to_num(obs.gap_s) > 0)
    gain = np.where(has_prev, np.maximum(np.nan_to_num(obs.total - obs.prev_total), 0.0), 0.0)
    start = np.maximum(age - np.where(has_prev, np.nan_to_num(obs.gap_s), 0.0), cadence.age_offset_s)
    exposure = age / b * (1.0 - (start / age) ** b)  # seconds at the sample-time rate
    return np.asarray((EVIDENCE_COUNTS + gain) / (EVIDENCE_COUNTS / prior + exposure), dtype=np.float64)


def expected_change(rate: Floats, age_s: Floats, ahead_s: Floats | float, cadence: CadenceConfig) -> Floats:
    """Counts gained from `age_s` to `age_s + ahead_s` if the velocity decays as the power law."""
    b = cadence.growth_exponent
    a0 = age_s + cadence.age_offset_s
    ahead = np.maximum(np.asarray(ahead_s, dtype=np.float64), 0.0)
    return np.asarray(rate * a0 / b * ((1.0 + ahead / a0) ** b - 1.0), dtype=np.float64)


def nowcast(total: Floats, rate: Floats, age_s: Floats, ahead_s: Floats, cadence: CadenceConfig) -> Floats:
    """The count expected `ahead_s` after a sample that saw `total` at `age_s` with `rate`."""
    return np.asarray(total + expected_change(rate, age_s, ahead_s, cadence), dtype=np.float64)


def gap_error(obs: Observed, rate: Floats, ahead_s: Floats, cadence: CadenceConfig) -> Floats:
    """Expected error of the curve drawn between this sample and one `ahead_s` later, as a share
    of the item's size: the area between the straight line and the truth, per second of life.

    Two parts: the power law's bend under the chord (what a smooth, big curve loses), and the
    noise of the counts around it (a Brownian bridge of `BURSTINESS` times Poisson variance:
    what a small, step-like count loses), divided by the item's size (at least `SIZE_FLOOR`).
    """
    b = cadence.growth_exponent
    a0 = obs.age_s + cadence.age_offset_s
    g = np.maximum(np.asarray(ahead_s, dtype=np.float64), 1.0)
    a1 = a0 + g
    scale = rate * a0 ** (1.0 - b) / b  # count = scale * age^b through the sample's slope
    under = scale * ((a1 ** (b + 1.0) - a0 ** (b + 1.0)) / (b + 1.0) - g * (a0**b + a1**b) / 2.0)
    gained = expected_change(rate, obs.age_s, g, cadence)
    noise = BRIDGE_MEAN_ABS * np.sqrt(BURSTINESS * gained + (cadence.burst_share * gained) ** 2) * g
    ahead = expected_change(rate, obs.age_s, SIZE_HORIZON_S, cadence)
    size = np.maximum(np.maximum(obs.total, 0.0) + ahead, SIZE_FLOOR)
    return np.asarray((np.abs(under) + noise) / size / 3600.0, dtype=np.float64)


def next_intervals(obs: Observed, cadence: CadenceConfig, platform_floor_s: float) -> Floats:
    """Seconds until each item is due again.

    The gap after which the curve drawn between samples is expected to be off by
    `target_error` (`gap_error`: share of the item's size times hours), clamped between the
    floor and `max_interval_s`. Sampling each item when its open gap reaches the same expected
    error is what spends a fixed number of samples with the least total error (the marginal
    error of every sample is equal). An old item that did not grow over a long gap on which
    the power law promised several counts is rechecked after `flat_recheck_s`.
    """
    low = max(cadence.min_interval_s, platform_floor_s)
    high = max(low, cadence.max_interval_s)
    rate = velocity(obs, cadence)
    lo = np.full(obs.total.shape, np.log(low))
    hi = np.full(obs.total.shape, np.log(high))
    for _ in range(24):  # gap_error grows with the gap: bisect on its logarithm
        mid = (lo + hi) / 2.0
        over = gap_error(obs, rate, np.exp(mid), cadence) >= cadence.target_error
        hi = np.where(over, mid, hi)
        lo = np.where(over, lo, mid)
    at_low = gap_error(obs, rate, np.full(obs.total.shape, low), cadence) >= cadence.target_error
    at_high = gap_error(obs, rate, np.full(obs.total.shape, high), cadence) < cadence.target_error
    interval = np.where(at_low, low, np.where(at_high, high, np.clip(np.exp(hi), low, high)))
    # Flat: none of the counts the power law promised over the gap came, enough of them that
    # this is strong evidence even for counts that arrive in bursts.
    b = cadence.growth_exponent
    a0 = obs.age_s + cadence.age_offset_s
    start = np.maximum(a0 - np.nan_to_num(obs.gap_s, nan=0.0), cadence.age_offset_s)
    promised = (np.nan_to_num(obs.prev_total, nan=0.0) + PSEUDO_COUNT) * ((a0 / start) ** b - 1.0)
    flat = (
        (np.nan_to_num(obs.total - obs.prev_total, nan=1.0) <= 0)
        & (promised >= FLAT_EVIDENCE_COUNTS)
        & (np.nan_to_num(obs.gap_s, nan=0.0) >= FLAT_GAP_SHARE * obs.age_s)
        & (obs.age_s >= cadence.flat_after_s)
    )
    return np.asarray(np.where(flat, max(cadence.flat_recheck_s, low), interval), dtype=np.float64)


def urgency(since_last_s: Floats, interval_s: Floats) -> Floats:
    """Expected unseen change in units of the target: time since the last sample over the
    interval. Never-sampled items (NaN since_last_s) come first."""
    with np.errstate(divide="ignore", invalid="ignore"):
        value = since_last_s / np.maximum(interval_s, 1.0)
    return np.asarray(np.where(np.isnan(since_last_s), np.inf, value), dtype=np.float64)


def pick(urgencies: Floats, budget: int, spare: int = 0) -> npt.NDArray[np.int64]:
    """Indices of the items to sample now, most urgent first (ties keep input order): due
    items (urgency >= 1) up to `budget`, then not-yet-due ones up to `spare`, the requests
    that would otherwise be lost (a rate window about to refill)."""
    order = np.argsort(-urgencies, kind="stable")
    due = int((urgencies >= 1.0).sum())
    take = min(due, max(budget, 0))
    if take == due:
        take += min(len(order) - due, max(spare, 0))
    return np.asarray(order[:take], dtype=np.int64)


def fit_growth_exponent(
    first_total: Floats, first_age_s: Floats, last_total: Floats, last_age_s: Floats, cadence: CadenceConfig
) -> float:
    """The peers' growth exponent: the median of log(count ratio) / log(age ratio) over items
    sampled at two ages, clamped to a sane range; the configured value when too few grew."""
    a0 = first_age_s + cadence.age_offset_s
    a1 = last_age_s + cadence.age_offset_s
    usable = (first_total > 0) & (last_total >= first_total) & (a1 > a0 * 1.2)
    if int(usable.sum()) < MIN_FIT_ITEMS:
        return cadence.growth_exponent
    slopes = np.log(last_total[usable] / first_total[usable]) / np.log(a1[usable] / a0[usable])
    return float(np.clip(np.median(slopes), MIN_BETA, MAX_BETA))


AGE_OFFSETS_S = (300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0, 5400.0, 7200.0)
MIN_OFFSET_GAIN = 0.02  # a fitted age offset must explain the curves this much better than the configured one
MIN_OFFSET_ITEMS = 100  # ... from this many items with 3 samples above 0 (a choice among 9 needs more)


def fit_age_offset(item_ids: Floats, ages_s: Floats, totals: Floats, cadence: CadenceConfig) -> float:
    """How old the platform's items are when first seen, as the power law sees them: the offset
    among `AGE_OFFSETS_S` under which every item's log count is closest to a straight line in
    log(age + offset) with one slope for all items (least squares, an intercept per item), over
    items with at least 3 samples above 0. Hacker News stories enter the front page already
    rising fast (the fit picks 900 s on the whole HN history, 600 s on its dev half); UCI
    Facebook counts barely prefer any offset, so the configured one stays unless a fitted one
    leaves `MIN_OFFSET_GAIN` less residual, or too few items."""
    keep = (totals > 0) & np.isfinite(ages_s)
    ids, ages, logs = item_ids[keep], np.maximum(ages_s[keep], 0.0), np.log(totals[keep])
    _, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    usable = (counts >= 3)[inverse]
    if int((counts >= 3).sum()) < MIN_OFFSET_ITEMS:
        return cadence.age_offset_s
    _, inverse, counts = np.unique(ids[usable], return_inverse=True, return_counts=True)
    ages, logs = ages[usable], logs[usable]

    def demeaned(x: Floats) -> Floats:
        return np.asarray(x - (np.bincount(inverse, x) / counts)[inverse], dtype=np.float64)

    y = demeaned(logs)

    def residual(offset: float) -> float:
        x = demeaned(np.log(ages + offset))
        slope = float((x * y).sum() / max(float((x * x).sum()), 1e-12))
        return float(((y - slope * x) ** 2).sum())

    configured = residual(cadence.age_offset_s)
    best = min(AGE_OFFSETS_S, key=residual)
    return best if residual(best) < (1.0 - MIN_OFFSET_GAIN) * configured else cadence.age_offset_s


def fit_burst_share(ages_s: Sequence[Floats], totals: Sequence[Floats], cadence: CadenceConfig) -> float:
    """How bursty the platform's counts are: over triples of consecutive samples of an item
    (`ages_s` and `totals`: three arrays each, oldest first), how far the middle sample lies
    from the straight line between the outer two, as a share of their gain, beyond what the
    power law's own bend puts there, in units of a Brownian bridge's mid-gap deviation. About
    0 for smooth curves (Hacker News points), near 1 for counts that arrive in bursts (UCI
    Facebook shares); the configured value when fewer than `MIN_FIT_ITEMS` triples grew."""
    a0, a1, a2 = (np.asarray(a, dtype=np.float64) + cadence.age_offset_s for a in ages_s)
    v0, v1, v2 = (np.asarray(v, dtype=np.float64) for v in totals)
    usable = (v2 > v0) & (a0 < a1) & (a1 < a2)
    if int(usable.sum()) < MIN_FIT_ITEMS:
        return cadence.burst_share
    a0, a1, a2, v0, v1, v2 = (x[usable] for x in (a0, a1, a2, v0, v1, v2))
    u = (a1 - a0) / (a2 - a0)
    seen = np.abs(v1 - (v0 + u * (v2 - v0))) / (v2 - v0)
    b = cadence.growth_exponent
    c0, c1, c2 = a0**b, a1**b, a2**b
    bend = np.abs(c1 - (c0 + u * (c2 - c0))) / (c2 - c0)
    spread = np.sqrt(4.0 * u * (1.0 - u))  # a bridge's sd at u, relative to its mid-gap sd
    share = (seen - bend).mean() / (MIDPOINT_MEAN_ABS * spread.mean())
    return float(np.clip(share, 0.0, MAX_BURST_SHARE))


def refit_curves(store: Store, config: CadenceConfig, now: datetime) -> dict[str, CadenceConfig]:
    """Refit every platform's curve from its stored samples of the last `stop_after_days` and
    store it in `cadence_curves`, where the runner's schedule and the `nowcast` macro read it:
    the age offset (`fit_age_offset`, from every sample), the growth exponent
    (`fit_growth_exponent`, from each item's first and last sample) and the burstiness
    (`fit_burst_share`, from triples of consecutive samples). A platform with too few items
    keeps the configured values. Returns platform -> its cadence settings."""
    since = now - timedelta(days=config.stop_after_days)
    triples = store.df(
        """with totals as (
               select s.item_id, s.ts,
                      coalesce(sum(s.value) filter (where is_interaction(s.metric)),
                               sum(s.value) filter (where s.metric = 'views'))::double as total
               from samples s where s.ts > $since and s.ts <= $now group by s.item_id, s.ts),
           aged as (
               select i.platform, t.item_id, t.total,
                      greatest(epoch(t.ts - coalesce(i.created_at, i.tracked_at)), 0)::double as age_s
               from totals t join items i on i.item_id = t.item_id where t.total is not null)
           select platform, item_id, age_s, total,
                  lead(age_s) over w as age1, lead(total) over w as total1,
                  lead(age_s, 2) over w as age2, lead(total, 2) over w as total2,
                  row_number() over w = 1 as is_first,
                  row_number() over w = count(*) over (partition by item_id) - 1 as before_last
           from aged window w as (partition by item_id order by age_s)""",
        {"since": since, "now": now},
    )
    platforms = store.df("select distinct platform from items")["platform"].to_list()
    fitted: dict[str, CadenceConfig] = {}
    rows = []
    for platform in sorted(platforms):
        mine = triples.filter(pl.col("platform") == platform)
        ends = mine.filter(pl.col("is_first")).join(
            mine.filter(pl.col("before_last")).select("item_id", last_age="age1", last_total="total1"),
            on="item_id",
        )
        full = mine.drop_nulls("total2")

        def col(frame: pl.DataFrame, name: str) -> Floats:
            return frame[name].cast(pl.Float64).to_numpy().astype(np.float64)

        offset = fit_age_offset(col(mine, "item_id"), col(mine, "age_s"), col(mine, "total"), config)
        shifted = replace(config, age_offset_s=offset)
        exponent = fit_growth_exponent(
            col(ends, "total"), col(ends, "age_s"), col(ends, "last_total"), col(ends, "last_age"), shifted
        )
        curve = replace(shifted, growth_exponent=exponent)
        share = fit_burst_share(
            [col(full, "age_s"), col(full, "age1"), col(full, "age2")],
            [col(full, "total"), col(full, "total1"), col(full, "total2")],
            curve,
        )
        fitted[platform] = replace(curve, burst_share=share)
        rows.append((platform, exponent, offset, share, ends.height, now))
    with store.transaction() as cur:
        cur.executemany("insert or replace into cadence_curves values (?, ?, ?, ?, ?, ?)", rows)
    return fitted


def platform_cadence(store: Store, platform: str, config: CadenceConfig) -> CadenceConfig:
    """The cadence settings with the platform's fitted curve (`refit_curves`), or the
    configured ones when it was never fitted."""
    row = (
        store.cursor()
        .execute(
            "select growth_exponent, age_offset_s, burst_share from cadence_curves where platform = ?",
            [platform],
        )
        .fetchone()
    )
    if row is None:
        return config
    return replace(
        config, growth_exponent=float(row[0]), age_offset_s=float(row[1]), burst_share=float(row[2])
    )
