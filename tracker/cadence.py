"""Adaptive sampling cadence: spend a platform's request budget where a sample changes what
editors see (docs/cadence.md has the measurements behind every choice).

Each item's interactions are modelled as a power law of its age, `count ~ (age + offset)^beta`,
so its velocity decays as it ages (the shape Szabo and Huberman describe). The exponent `beta`
is the peers' prior, fitted from the platform's own items (`fit_growth_exponent`), so a new
item with one sample already has a sensible velocity: `beta * count / age`. The last gap's
observed rate is blended in, weighted by how much evidence it carries (a gap that saw 2 new
likes says little, one that saw 200 says a lot), so a single flat step of a step-like count is
not read as "dead".

From that velocity, `expected_change` integrates the decaying rate over a time ahead, and the
next sample is due when the expected unseen change reaches `target_growth` of the item's size
(`next_intervals`). Between samples, `urgency` (time since the last sample over the interval)
is the expected unseen change in units of that target, so ordering due items by urgency and
taking the round's budget (`pick`) spends the budget on the items that changed most since we
last looked, new items first. Items that stayed flat over a long gap once they are old are
rechecked only every `flat_recheck_s`. `nowcast` estimates an item's count now from its last
sample and velocity, for rankings between samples.

Everything works on numpy arrays (one call per round, not per item); the runner and
`bench/cadence.py` call these same functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from tracker.config import CadenceConfig

Floats = npt.NDArray[np.float64]

PSEUDO_COUNT = 1.0  # a 0-count item still may grow: its prior velocity is that of a 1-count item
SIZE_FLOOR = 2.0  # "relative change" of small counts is taken against at least this size
EVIDENCE_COUNTS = 4.0  # a gap that saw this many new counts is trusted as much as the prior
FLAT_EVIDENCE_COUNTS = 3.0  # a gap that promised this many counts and saw none means flat
FLAT_GAP_SHARE = 0.25  # ... over a gap of at least this share of its age (bursty counts pause often)
MIN_BETA, MAX_BETA = 0.05, 0.95  # growth exponents outside this range are noise, not curves


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
    """Counts per second at the sample's time: the age prior blended with the last gap's rate."""
    b = cadence.growth_exponent
    age = obs.age_s + cadence.age_offset_s
    prior = b * (np.maximum(obs.total, 0.0) + PSEUDO_COUNT) / age
    has_prev = ~np.isnan(obs.prev_total) & ~np.isnan(obs.gap_s) & (np.nan_to_num(obs.gap_s) > 0)
    gain = np.where(has_prev, np.maximum(np.nan_to_num(obs.total - obs.prev_total), 0.0), 0.0)
    gap = np.where(has_prev, np.nan_to_num(obs.gap_s, nan=1.0), 1.0)
    # The gap's rate is an average over the gap; at the sample's age the decayed rate is lower.
    mid_age = np.maximum(age - gap / 2.0, cadence.age_offset_s)
    gap_rate = gain / gap * (mid_age / age) ** (1.0 - b)
    weight = np.where(has_prev, gain / (gain + EVIDENCE_COUNTS), 0.0)
    return np.asarray(weight * gap_rate + (1.0 - weight) * prior, dtype=np.float64)


def expected_change(rate: Floats, age_s: Floats, ahead_s: Floats | float, cadence: CadenceConfig) -> Floats:
    """Counts gained from `age_s` to `age_s + ahead_s` if the velocity decays as the power law."""
    b = cadence.growth_exponent
    a0 = age_s + cadence.age_offset_s
    ahead = np.maximum(np.asarray(ahead_s, dtype=np.float64), 0.0)
    return np.asarray(rate * a0 / b * ((1.0 + ahead / a0) ** b - 1.0), dtype=np.float64)


def nowcast(total: Floats, rate: Floats, age_s: Floats, ahead_s: Floats, cadence: CadenceConfig) -> Floats:
    """The count expected `ahead_s` after a sample that saw `total` at `age_s` with `rate`."""
    return np.asarray(total + expected_change(rate, age_s, ahead_s, cadence), dtype=np.float64)


def next_intervals(obs: Observed, cadence: CadenceConfig, platform_floor_s: float) -> Floats:
    """Seconds until each item is due again.

    The time at which the expected unseen change reaches `target_growth` of the item's size
    (the inverse of `expected_change`), clamped between the floor and `max_interval_s`. An
    old item that did not grow over a long gap is rechecked after `flat_recheck_s`.
    """
    low = max(cadence.min_interval_s, platform_floor_s)
    high = max(low, cadence.max_interval_s)
    rate = velocity(obs, cadence)
    b = cadence.growth_exponent
    a0 = obs.age_s + cadence.age_offset_s
    wanted = cadence.target_growth * np.maximum(obs.total, SIZE_FLOOR)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        ahead = a0 * ((1.0 + wanted * b / (rate * a0)) ** (1.0 / b) - 1.0)
    ahead = np.where(np.isfinite(ahead), ahead, high)
    interval = np.clip(ahead, low, high)
    # Flat: none of the counts the power law promised over the gap came (Poisson: e^-3 = 5 %).
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


def round_budget(requests: int, per_seconds: float, max_batch: int, tick_s: float, cap: int) -> int:
    """How many items one round may sample: the platform's request rate over one tick, in
    items (a request carries up to `max_batch`), at least one request's worth, at most `cap`."""
    per_round = math.ceil(requests / per_seconds * tick_s) * max_batch
    return max(max_batch, min(cap, per_round))


def fit_growth_exponent(
    first_total: Floats, first_age_s: Floats, last_total: Floats, last_age_s: Floats, cadence: CadenceConfig
) -> float:
    """The peers' growth exponent: the median of log(count ratio) / log(age ratio) over items
    sampled at two ages, clamped to a sane range; the configured value when too few grew."""
    a0 = first_age_s + cadence.age_offset_s
    a1 = last_age_s + cadence.age_offset_s
    usable = (first_total > 0) & (last_total >= first_total) & (a1 > a0 * 1.2)
    if int(usable.sum()) < 20:
        return cadence.growth_exponent
    slopes = np.log(last_total[usable] / first_total[usable]) / np.log(a1[usable] / a0[usable])
    return float(np.clip(np.median(slopes), MIN_BETA, MAX_BETA))
