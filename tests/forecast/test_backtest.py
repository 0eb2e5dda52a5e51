"""The rolling-origin backtest: each block is forecast by a model refitted only on curves that
had finished before the block started, and such refits follow a population whose growth
changes, which one fit on the older history cannot."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from tracker.forecast.backtest import rolling_forecasts
from tracker.forecast.model import GrowthModel, median_ape, select_and_fit

START = datetime(2024, 1, 1)


def _stories(days: int, per_day: int, growth_before: float, growth_after: float, switch: int) -> pl.DataFrame:
    """Stories observed each day; each finishes two days later at n_t times its day's growth."""
    rng = np.random.default_rng(3)
    day = np.repeat(np.arange(days), per_day)
    n_t = np.round(rng.uniform(100, 1000, day.size))
    factor = np.where(day < switch, growth_before, growth_after) * np.exp(rng.normal(0, 0.05, day.size))
    observed = [
        START + timedelta(days=int(d), hours=int(h))
        for d, h in zip(day, rng.integers(0, 24, day.size), strict=True)
    ]
    return pl.DataFrame(
        {
            "n_t": n_t,
            "final": np.round(n_t * factor),
            "observed_at": observed,
            "finished_at": [t + timedelta(days=2) for t in observed],
        }
    ).sort("observed_at")


def _fit_constant(rows: pl.DataFrame) -> GrowthModel:
    return select_and_fit(rows, rows["final"].to_numpy().astype(float), ("constant",))[0]


def test_no_block_is_forecast_from_a_curve_that_had_not_finished() -> None:
    stories = _stories(days=60, per_day=20, growth_before=2.0, growth_after=2.0, switch=0)
    targets = stories.filter(pl.col("observed_at") >= START + timedelta(days=30))
    seen: list[tuple[datetime, pl.DataFrame]] = []

    def recording_fit(rows: pl.DataFrame) -> GrowthModel:
        seen.append((rows["finished_at"].max(), rows))  # type: ignore[arg-type]
        return _fit_constant(rows)

    mid, lo, hi, refits = rolling_forecasts(
        stories, targets, recording_fit, every=timedelta(days=7), window=150
    )
    assert len(refits) == 5 and sum(r.forecast for r in refits) == targets.height
    for refit, (latest, rows) in zip(refits, seen, strict=True):
        assert latest < refit.at and refit.last_finished == latest
        assert rows.height == refit.rows == 150  # the window: the most recent finished rows only
        # the most recent ones: nothing finished before the block is newer than the window's oldest
        older = stories.filter(
            (pl.col("finished_at") < refit.at) & (pl.col("observed_at") > rows["observed_at"].max())
        )
        assert older.is_empty()
    assert not np.isnan(mid).any() and np.all(lo <= mid) and np.all(mid <= hi)


def test_refits_follow_a_change_that_one_old_fit_misses() -> None:
    # growth doubles from day 60; the daily refits on the 200 most recent finished stories catch up
    stories = _stories(days=120, per_day=20, growth_before=2.0, growth_after=4.0, switch=60)
    history_before = stories.filter(pl.col("finished_at") < START + timedelta(days=60))
    targets = stories.filter(pl.col("observed_at") >= START + timedelta(days=60))
    final = targets["final"].to_numpy().astype(float)
    once, _, _ = _fit_constant(history_before).predict(targets)
    mid, lo, hi, refits = rolling_forecasts(
        stories, targets, _fit_constant, every=timedelta(days=1), window=200
    )
    late = (targets["observed_at"] >= START + timedelta(days=75)).to_numpy()
    assert median_ape(once[late], final[late]) > 0.4  # still forecasting the old doubling
    assert median_ape(mid[late], final[late]) < 0.06
    inside = (final[late] >= lo[late]) & (final[late] <= hi[late])
    assert inside.mean() > 0.7


@pytest.mark.parametrize(("every", "window"), [(timedelta(0), 10), (timedelta(days=1), 0)])
def test_a_backtest_without_blocks_or_rows_is_refused(every: timedelta, window: int) -> None:
    stories = _stories(days=5, per_day=5, growth_before=2.0, growth_after=2.0, switch=0)
    with pytest.raises(ValueError, match="every"):
        rolling_forecasts(stories, stories, _fit_constant, every=every, window=window)
