"""The boosted learner: it earns its place where the growth depends on the curve's shape in a
way a linear model cannot follow, and its split-conformal interval covers a known population."""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from tracker.forecast.model import (
    BOOSTED_NAME,
    FEATURE_SETS,
    LOWER_Q,
    UPPER_Q,
    fit,
    fit_boosted,
    median_ape,
    select_and_fit,
)

ROUNDS = 80  # small models keep the tests fast; the product uses boosted.ROUNDS


def _population(rng: np.random.Generator, n: int, growth) -> tuple[pl.DataFrame, np.ndarray]:
    n_t = np.round(rng.uniform(50, 5000, n))
    d75 = rng.uniform(0.0, 0.6, n)  # ln(n_t / n at 3/4 of the age): how fast it climbed lately
    feats = pl.DataFrame(
        {
            "n_t": n_t,
            "n_q25": np.round(n_t * np.exp(-3 * d75)),
            "n_q50": np.round(n_t * np.exp(-2 * d75)),
            "n_q75": np.round(n_t * np.exp(-d75)),
            "stale": 0.0,
            "age_h": 2.0,
        }
    )
    final = np.maximum(np.round(n_t * np.exp(growth(d75, rng))), n_t)
    return feats, final


def _band(d75: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # Only curves climbing at a middling pace keep growing; fast climbers have peaked (a shape
    # no straight line in d75 can follow).
    middle = (d75 > 0.15) & (d75 < 0.45)
    return np.where(middle, 1.5, 0.0) + 0.05 * rng.standard_normal(len(d75))


def test_boosted_trees_beat_the_linear_model_where_the_shape_matters():
    rng = np.random.default_rng(3)
    train, train_final = _population(rng, 3000, _band)
    test, test_final = _population(rng, 1500, _band)
    linear = fit(train, train_final, FEATURE_SETS["curve"])
    boosted = fit_boosted(train, train_final, FEATURE_SETS["boosted"], rounds=ROUNDS)
    linear_error = median_ape(linear.predict(test)[0], test_final)
    boosted_error = median_ape(boosted.predict(test)[0], test_final)
    assert boosted_error < 0.15
    assert boosted_error < 0.5 * linear_error
    # the selection inside the training rows finds it too, and the stored parameters name it
    chosen, scores = select_and_fit(train, train_final, ("count", "curve", "boosted"), rounds=ROUNDS)
    assert chosen.name == BOOSTED_NAME and scores["boosted"] < scores["curve"]
    assert json.loads(chosen.to_json())["learner"] == "lightgbm"


def test_boosted_is_not_tried_on_too_little_history():
    rng = np.random.default_rng(4)
    train, train_final = _population(rng, 300, _band)
    chosen, scores = select_and_fit(train, train_final, ("count", "boosted"), min_boosted_rows=2000)
    assert "boosted" not in scores and chosen.name != BOOSTED_NAME


def test_split_conformal_interval_covers_a_known_population():
    rng = np.random.default_rng(12)

    def growth(d75: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return 1.0 + 2.0 * d75 + 0.5 * rng.standard_normal(len(d75))

    train, train_final = _population(rng, 4000, growth)
    test, test_final = _population(rng, 4000, growth)
    model = fit_boosted(train, train_final, FEATURE_SETS["boosted"], rounds=ROUNDS)
    _, lo, hi = model.predict(test)
    below, above = np.mean(test_final < lo), np.mean(test_final > hi)
    # calibrated on 800 held-out rows to leave LOWER_Q below and 1 - UPPER_Q above
    assert abs(below - LOWER_Q) < 0.03
    assert abs(above - (1 - UPPER_Q)) < 0.03
    assert 0.06 <= below <= 0.12 and 0.06 <= above <= 0.12


def test_early_stopping_keeps_few_rounds_when_there_is_nothing_to_learn():
    from tracker.forecast.boosted import ROUNDS, train

    rng = np.random.default_rng(21)
    x = rng.standard_normal((3000, 4))
    y = rng.standard_normal(3000)  # the growth is noise: no feature says anything about it
    trees = train(x[:2400], y[:2400], valid=(x[2400:], y[2400:]))
    assert trees.rounds < ROUNDS // 2
    assert len(trees.predict(x[2400:])) == 600


def test_the_race_keeps_szabo_huberman_constant_scaling_as_published_when_it_does_best():
    rng = np.random.default_rng(22)
    n_t = rng.integers(1, 40, 600).astype(float)
    feats = pl.DataFrame({"n_t": n_t, "n_q25": n_t, "n_q50": n_t, "n_q75": n_t, "stale": 0.0, "age_h": 1.0})
    final = 3.0 * n_t  # every story ends at exactly three times its early count
    chosen, scores = select_and_fit(feats, final, ("constant", "cs", "count"))
    assert chosen.parts == FEATURE_SETS["cs"] and scores["cs"] < 1e-9 < scores["count"]
    mid, lo, hi = chosen.predict(feats)
    assert np.allclose(mid, 3.0 * n_t) and np.allclose(lo, mid) and np.allclose(hi, mid)
