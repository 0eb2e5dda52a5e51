"""The learner on hand-made populations where the right forecast is known: a pure power law,
curves that have stopped, and interval coverage on growth drawn from a known distribution."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import polars as pl
import pytest

from tracker.forecast.features import curve_features, value_at
from tracker.forecast.model import FEATURE_SETS, UPPER_Q, design, fit, fit_boosted, prior_forecast

AGES = [0.1 * k for k in range(1, 41)] + [8.0, 16.0, 32.0, 48.0]


def _curves(scales: np.ndarray, shape) -> pl.DataFrame:
    rows = [(k, a, float(round(shape(k, s, a)))) for k, s in enumerate(scales) for a in AGES]
    return pl.DataFrame(
        rows, schema={"key": pl.Int64, "age_h": pl.Float64, "value": pl.Float64}, orient="row"
    )


def _population(curves: pl.DataFrame, age_h: float, target_h: float) -> tuple[pl.DataFrame, np.ndarray]:
    feats = curve_features(curves, age_h).join(
        value_at(curves, target_h).rename({"target": "final"}), on="key"
    )
    return feats, feats["final"].to_numpy().astype(float)


def test_pure_power_law_is_forecast_exactly():
    rng = np.random.default_rng(7)
    curves = _curves(rng.uniform(200, 5000, 400), lambda k, s, a: s * a**0.5)
    feats, final = _population(curves, 2.0, 32.0)
    model = fit(feats, final, FEATURE_SETS["curve"])
    mid, lo, hi = model.predict(feats)
    # N(32)/N(2) = (32/2)^0.5 = 4 for every story; only the rounding of counts is noise.
    assert np.allclose(mid / feats["n_t"].to_numpy(), 4.0, rtol=0.02)
    # the 80% interval is as narrow as the rounding noise, and nothing lies far outside it
    assert np.median(hi / lo) < 1.01
    assert np.all((lo <= final * 1.005) & (final <= hi * 1.005))


def test_a_curve_that_has_stopped_is_not_forecast_to_grow():
    rng = np.random.default_rng(8)
    stops = rng.random(600) < 0.35  # a third stopped growing at 1 h, the rest keep a power law

    def shape(k: int, s: float, a: float) -> float:
        return s * min(a, 1.0) ** 0.6 if stops[k] else s * a**0.6

    curves = _curves(rng.uniform(300, 3000, 600), shape)
    feats, final = _population(curves, 2.0, 48.0)
    model = fit(feats, final, FEATURE_SETS["curve"])  # the curve's shape is what tells them apart
    mid, lo, hi = model.predict(feats)
    n_t = feats["n_t"].to_numpy()
    stopped = stops[feats["key"].to_numpy()]
    assert np.allclose(mid[stopped], n_t[stopped], rtol=0.03)
    assert np.allclose(lo[stopped], n_t[stopped], rtol=0.03)
    # The growers still grow (the point forecast leans low: it is tuned for median APE over a
    # population where a third of the stories are over), and their interval reaches the truth.
    assert np.all(mid[~stopped] > 2.5 * n_t[~stopped])
    assert np.mean(hi[~stopped] >= 0.98 * final[~stopped]) > 0.95


@pytest.mark.parametrize("sigma", [0.3, 0.8])
def test_interval_covers_eighty_percent_of_a_known_population(sigma):
    rng = np.random.default_rng(11)

    def population(n: int) -> tuple[pl.DataFrame, np.ndarray]:
        n_t = np.round(rng.uniform(50, 5000, n))
        final = np.round(n_t * np.exp(2.5 + sigma * rng.standard_normal(n)))
        feats = pl.DataFrame(
            {
                "n_t": n_t,
                "n_q25": n_t * 0.5,
                "n_q50": n_t * 0.7,
                "n_q75": n_t * 0.85,
                "stale": 0.0,
                "age_h": 2.0,
            }
        )
        return feats, np.maximum(final, n_t)

    train, train_final = population(4000)
    test, test_final = population(4000)
    model = fit(train, train_final, FEATURE_SETS["count"])
    _, lo, hi = model.predict(test)
    below, above = np.mean(test_final < lo), np.mean(test_final > hi)
    assert 0.07 <= below <= 0.13
    assert 0.07 <= above <= 0.13
    # and the band is the known one: exp(±z sigma) around exp(2.5), z the normal quantile
    z = NormalDist().inv_cdf(UPPER_Q)
    assert model.upper - model.lower == pytest.approx(2 * z * sigma, rel=0.1)


@pytest.mark.parametrize("learner", ["linear", "boosted"])
def test_a_model_pooled_over_ages_has_an_interval_per_age(learner):
    # the product pools young and old stories in one model: at 1 h the growth still to come
    # spreads widely (sigma 1.0), at 16 h hardly (0.1); one band for both would cover far too
    # little at 1 h and far too much at 16 h
    rng = np.random.default_rng(12)
    spread = {1.0: 1.0, 16.0: 0.1}

    def population(n: int) -> tuple[pl.DataFrame, np.ndarray]:
        age = rng.choice(list(spread), n)
        sigma = np.vectorize(spread.get)(age)
        n_t = np.round(rng.uniform(50, 5000, n))
        final = np.round(n_t * np.exp(2.5 / age + sigma * rng.standard_normal(n)))
        feats = pl.DataFrame(
            {
                "n_t": n_t,
                "n_q25": n_t * 0.5,
                "n_q50": n_t * 0.7,
                "n_q75": n_t * 0.85,
                "stale": 0.0,
                "age_h": age,
                "target_age_h": 128.0,
            }
        )
        return feats, np.maximum(final, n_t)

    train, train_final = population(6000)
    test, test_final = population(6000)
    if learner == "linear":
        model = fit(train, train_final, FEATURE_SETS["curve"])
    else:
        model = fit_boosted(train, train_final, FEATURE_SETS["boosted"])
    assert [b[0] for b in model.bands] == [1.0, 16.0]
    _, lo, hi = model.predict(test)
    for age in spread:
        at = test["age_h"].to_numpy() == age
        below, above = np.mean(test_final[at] < lo[at]), np.mean(test_final[at] > hi[at])
        assert 0.06 <= below <= 0.13, (age, below)
        assert 0.06 <= above <= 0.13, (age, above)


def test_prior_is_a_wide_power_law_that_never_forecasts_a_fall():
    mid, lo, hi = prior_forecast(np.array([100.0, 0.0]), np.array([2.0, 2.0]), np.array([32.0, 4.0]))
    assert mid[0] == pytest.approx(100 * 16**0.25)
    assert lo[0] == 100.0 and hi[0] == pytest.approx(100 * 16**0.8)
    assert mid[1] == 0.0 and hi[1] >= 1.0


def test_pace_reads_the_latest_gap_between_samples_and_the_first_sample():
    # one story sampled at irregular times (as a cron that slips): 10 at 0.2 h, 40 at 0.9 h,
    # 100 at 1.4 h; observed at 2 h, the latest gap is 0.9 -> 1.4 h and the first sample 0.2 h
    curves = pl.DataFrame(
        {"key": [1, 1, 1, 1], "age_h": [0.2, 0.9, 1.4, 3.0], "value": [10.0, 40.0, 100.0, 300.0]}
    )
    feats = curve_features(curves, 2.0)
    row = feats.row(0, named=True)
    assert (row["n_prev"], row["prev_age_h"], row["n_first"], row["first_age_h"]) == (40.0, 0.9, 10.0, 0.2)
    x, names = design(feats, ("pace",))
    got = dict(zip(names, x[0], strict=True))
    assert got["rate_prev"] == pytest.approx((np.log1p(100) - np.log1p(40)) / 0.5)
    assert got["rate_first"] == pytest.approx((np.log1p(100) - np.log1p(10)) / 1.2)
    assert got["ln_first"] == pytest.approx(np.log1p(10))


def test_page_entry_and_the_previous_rank_come_from_the_rank_gauge():
    curves = pl.DataFrame(
        {"key": [1, 1, 1, 2], "age_h": [0.0, 0.5, 1.0, 1.0], "value": [5.0, 20.0, 50.0, 3.0]}
    )
    # story 1 reached the page at 0.5 h (rank 12), then climbed to 4 by 1 h; story 2 never did
    ranks = pl.DataFrame({"key": [1, 1], "age_h": [0.5, 1.0], "value": [12.0, 4.0]})
    feats = curve_features(curves, 1.0, ranks=ranks).sort("key")
    one, two = feats.rows(named=True)
    assert (one["rank_prev"], one["rank_t"], one["page_entered"]) == (12.0, 4.0, 0.5)
    assert (two["page_entered"], two["off_page"]) == (1.0, 1.0)
