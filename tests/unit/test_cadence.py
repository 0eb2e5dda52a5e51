"""The sampling policy on hand-made curves: growers are sampled sooner than flat items, flat
items stop, a sparse step is not read as flat, each interval is the gap whose expected curve
error reaches the target, the budget is respected, the peers' curve is recovered, and the same
input always gives the same schedule."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tracker import cadence
from tracker.config import CadenceConfig

CONFIG = CadenceConfig()
HOUR = 3600.0


def _one(total: float, age_h: float, prev: float | None = None, gap_h: float | None = None) -> float:
    obs = cadence.observed([total], [age_h * HOUR], [prev], [None if gap_h is None else gap_h * HOUR])
    return float(cadence.next_intervals(obs, CONFIG, 60.0)[0])


def test_a_fast_grower_is_due_sooner_than_a_slow_one_of_the_same_age_and_size():
    fast = _one(500, 2.0, prev=100, gap_h=0.5)
    slow = _one(500, 2.0, prev=495, gap_h=0.5)
    assert fast < slow / 3


def test_a_first_sample_uses_the_age_prior_so_a_young_item_comes_back_soon():
    # No previous sample: the interval comes from the peers' growth exponent and the item's age.
    young, old = _one(20, 0.0), _one(20, 48.0)
    assert CONFIG.min_interval_s <= young < old <= CONFIG.max_interval_s


def test_one_flat_step_of_a_growing_item_is_not_read_as_dead():
    # Bursty counts pause: a short flat gap in a young item keeps it on a normal interval.
    paused = _one(40, 3.0, prev=40, gap_h=0.33)
    assert paused < CONFIG.flat_recheck_s


def test_an_old_item_that_stayed_flat_over_a_long_gap_is_only_rechecked_rarely():
    flat = _one(300, 20.0, prev=300, gap_h=6.0)
    growing = _one(330, 20.0, prev=300, gap_h=6.0)
    assert flat == CONFIG.flat_recheck_s
    assert growing < flat


def test_intervals_respect_the_platform_floor_and_the_maximum():
    obs = cadence.observed([10_000, 0], [0.0, 300 * HOUR], [1_000, 0], [60.0, 1.0])
    fast, dead = cadence.next_intervals(obs, CONFIG, 360.0)
    assert fast == 360.0
    assert dead <= max(CONFIG.max_interval_s, CONFIG.flat_recheck_s)


def test_urgency_puts_never_sampled_items_first_then_the_most_overdue_relative_to_their_interval():
    since = np.array([600.0, np.nan, 3600.0, 100.0])
    interval = np.array([300.0, 300.0, 7200.0, 50.0])
    order = cadence.pick(cadence.urgency(since, interval), budget=10)
    assert order.tolist() == [1, 0, 3]  # item 2 (urgency 0.5) is not due


def test_pick_never_exceeds_the_budget_and_spends_spare_requests_on_the_next_most_urgent():
    rng = np.random.default_rng(7)
    urgencies = rng.uniform(0.0, 3.0, size=1000)
    due = int((urgencies >= 1).sum())
    assert len(cadence.pick(urgencies, budget=50)) == 50
    assert len(cadence.pick(urgencies, budget=5000)) == due  # not-yet-due items wait ...
    with_spare = cadence.pick(urgencies, budget=5000, spare=30)
    assert len(with_spare) == due + 30  # ... unless the requests would otherwise be lost
    assert urgencies[with_spare[due:]].min() >= np.sort(urgencies[urgencies < 1])[-30]

    assert len(cadence.pick(urgencies, budget=0)) == 0


def test_the_policy_is_deterministic():
    rng = np.random.default_rng(3)
    totals = rng.integers(0, 5_000, size=200).astype(float)
    obs = cadence.observed(
        totals, rng.uniform(0, 40 * HOUR, 200), totals * 0.8, rng.uniform(60, 4 * HOUR, 200)
    )
    first = cadence.next_intervals(obs, CONFIG, 60.0)
    again = cadence.next_intervals(obs, CONFIG, 60.0)
    assert np.array_equal(first, again)
    ties = np.ones(20)
    assert cadence.pick(ties, 5).tolist() == [0, 1, 2, 3, 4]


def test_nowcast_extrapolates_a_grower_and_leaves_a_flat_item_nearly_where_it_was():
    obs = cadence.observed([200, 200], [2 * HOUR, 2 * HOUR], [100, 200], [HOUR, HOUR])
    rate = cadence.velocity(obs, CONFIG)
    later = cadence.nowcast(obs.total, rate, obs.age_s, np.array([HOUR, HOUR]), CONFIG)
    assert later[0] > 250  # it gained 100 in the last hour: decaying, but still growing
    assert 200 <= later[1] < later[0] - 25  # the flat one only by the age prior


def test_the_peers_growth_exponent_is_recovered_from_power_law_curves():
    rng = np.random.default_rng(5)
    a0 = rng.uniform(0.5, 3, 300) * HOUR
    a1 = a0 * rng.uniform(2, 10, 300)
    scale = rng.uniform(5, 500, 300)
    offset = CONFIG.age_offset_s

    def count(age: np.ndarray) -> np.ndarray:
        return scale * (age + offset) ** 0.6

    fitted = cadence.fit_growth_exponent(count(a0), a0, count(a1), a1, CONFIG)
    assert fitted == pytest.approx(0.6, abs=0.01)
    assert cadence.fit_growth_exponent(count(a0)[:5], a0[:5], count(a1)[:5], a1[:5], CONFIG) == (
        CONFIG.growth_exponent
    )


def _power_law_samples(offset_s: float, items: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Six samples each of `items` smooth curves count = scale * (age + offset)^0.6."""
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(items, dtype=np.float64), 6)
    ages = np.sort(rng.uniform(0.0, 12.0, (items, 6)) * HOUR, axis=1).ravel()
    scale = np.repeat(rng.uniform(0.05, 5.0, items), 6)
    return ids, ages, np.round(scale * (ages + offset_s) ** 0.6) + 1.0


def test_the_age_offset_is_recovered_from_curves_that_start_rising_early():
    # Hacker News stories reach the front page already rising fast: a short offset.
    for offset in (600.0, 3600.0):
        ids, ages, totals = _power_law_samples(offset, 150, seed=int(offset))
        assert cadence.fit_age_offset(ids, ages, totals, CONFIG) == offset


def test_counts_that_prefer_no_offset_and_too_few_items_keep_the_configured_one():
    rng = np.random.default_rng(8)
    ids = np.repeat(np.arange(150, dtype=np.float64), 6)
    ages = np.tile(np.arange(6, dtype=np.float64) * HOUR, 150)
    steps = rng.integers(1, 30, 900).astype(np.float64)  # counts that do not follow any power law
    assert cadence.fit_age_offset(ids, ages, steps, CONFIG) == CONFIG.age_offset_s
    ids, ages, totals = _power_law_samples(600.0, 60, seed=1)  # a clear curve, but 60 items
    assert cadence.fit_age_offset(ids, ages, totals, CONFIG) == CONFIG.age_offset_s


def test_under_a_tight_budget_the_grower_gets_the_samples_and_the_flat_item_stops():
    """120 10-minute ticks, one sample per tick (no spare), two items: one growing fast, one flat."""

    def truth(item: int, age_s: float) -> float:
        return 10.0 * (age_s / 60.0) if item == 0 else 400.0

    born = np.array([0.0, -7 * HOUR])  # the flat item is already 7 hours old
    last_t, last_v = np.full(2, np.nan), np.full(2, np.nan)
    interval = np.zeros(2)
    counts = [0, 0]
    for tick in range(120):
        now = tick * 600.0
        urgencies = cadence.urgency(now - last_t, interval)
        for i in cadence.pick(urgencies, budget=1):
            age = now - born[i]
            obs = cadence.observed([truth(int(i), age)], [age], [last_v[i]], [now - last_t[i]])
            interval[i] = cadence.next_intervals(obs, CONFIG, 60.0)[0]
            last_t[i], last_v[i] = now, obs.total[0]
            counts[int(i)] += 1
    assert counts[0] >= 3 * counts[1] and counts[1] <= 3
    assert interval[1] == CONFIG.flat_recheck_s


def test_a_flat_gap_moves_the_rate_as_much_as_the_counts_it_promised():
    # A sparse item (1 count at 20 h) flat for 2 h: the curve promised a fraction of a count,
    # so "no growth" says little and the rate stays near the prior.
    sparse = cadence.observed([1, 1], [20 * HOUR, 20 * HOUR], [1, None], [2 * HOUR, None])
    flat_sparse, prior_sparse = cadence.velocity(sparse, CONFIG)
    assert flat_sparse > 0.9 * prior_sparse
    # A big item flat for 2 h, where the curve promised dozens of counts: the rate drops hard.
    big = cadence.observed([2000, 2000], [20 * HOUR, 20 * HOUR], [2000, None], [2 * HOUR, None])
    flat_big, prior_big = cadence.velocity(big, CONFIG)
    assert flat_big < 0.5 * prior_big
    # and a gap with many counts decides over the prior
    fast = cadence.observed([2600], [20 * HOUR], [2000], [2 * HOUR])
    assert cadence.velocity(fast, CONFIG)[0] > 2 * prior_big


def test_each_interval_is_the_gap_whose_expected_curve_error_reaches_the_target():
    rng = np.random.default_rng(9)
    totals = rng.integers(1, 3000, 300).astype(float)
    obs = cadence.observed(
        totals, rng.uniform(0, 30 * HOUR, 300), totals * 0.9, rng.uniform(600, 3 * HOUR, 300)
    )
    interval = cadence.next_intervals(obs, CONFIG, 60.0)
    inside = (interval > CONFIG.min_interval_s * 1.01) & (interval < CONFIG.max_interval_s * 0.99)
    assert inside.sum() > 50
    rate = cadence.velocity(obs, CONFIG)
    error = cadence.gap_error(obs, rate, interval, CONFIG)
    assert np.allclose(error[inside], CONFIG.target_error, rtol=1e-3)
    # a longer gap always risks a larger error
    assert np.all(cadence.gap_error(obs, rate, interval * 1.5, CONFIG) > error)


def test_bursty_counts_are_sampled_at_a_steadier_pace_than_smooth_ones():
    # Same item at 1 h and at 24 h: on a smooth platform the old one waits much longer than the
    # young one (the curve's bend is what matters); with bursts it waits less long relative to it.
    obs = cadence.observed([50, 500], [1 * HOUR, 24 * HOUR], [None, None], [None, None])
    unclamped = dataclasses.replace(CONFIG, max_interval_s=1e7)
    smooth = cadence.next_intervals(obs, dataclasses.replace(unclamped, burst_share=0.0), 60.0)
    bursty = cadence.next_intervals(obs, dataclasses.replace(unclamped, burst_share=1.0), 60.0)
    assert smooth[1] / smooth[0] > bursty[1] / bursty[0] > 1.0
    assert bursty[1] < smooth[1]


def test_the_burst_share_is_about_zero_on_smooth_curves_and_large_on_bursty_ones():
    rng = np.random.default_rng(2)
    a0 = rng.uniform(0.2, 5, 400) * HOUR
    a1, a2 = a0 + rng.uniform(0.5, 3, 400) * HOUR, a0 + rng.uniform(3.5, 8, 400) * HOUR
    scale = rng.uniform(10, 1000, 400)

    def count(age: np.ndarray) -> np.ndarray:
        return scale * ((age + CONFIG.age_offset_s) / HOUR) ** CONFIG.growth_exponent

    smooth = cadence.fit_burst_share([a0, a1, a2], [count(a0), count(a1), count(a2)], CONFIG)
    assert smooth == pytest.approx(0.0, abs=0.02)
    # the middle count lands anywhere between the outer two (all of a gap's gain in one burst)
    middle = count(a0) + rng.uniform(0, 1, 400) * (count(a2) - count(a0))
    bursty = cadence.fit_burst_share([a0, a1, a2], [count(a0), middle, count(a2)], CONFIG)
    assert bursty > 0.5
    assert (
        cadence.fit_burst_share([a0[:5], a1[:5], a2[:5]], [count(a0)[:5]] * 3, CONFIG) == CONFIG.burst_share
    )


def test_an_item_under_three_counts_is_weighed_as_a_three_count_one():
    # The curve error is judged against the peak an item reaches, and a 1-share item is
    # typically on its way to several: its expected error is measured against 3 counts, not 1
    # (with 2, tiny items took more samples than fixed polling gives them, for a larger error).
    obs = cadence.observed([0, 1, 2, 3, 6], [6 * HOUR] * 5, [0, 0, 1, 2, 5], [HOUR] * 5)
    rate = np.full(5, 1e-4)  # the same expected gain for all of them
    error = cadence.gap_error(obs, rate, np.full(5, HOUR), CONFIG)
    assert error[0] == pytest.approx(error[3]) and error[1] == pytest.approx(error[3])
    assert error[2] == pytest.approx(error[3])
    assert error[4] == pytest.approx(error[3] / 2, rel=0.01)
