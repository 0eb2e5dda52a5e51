"""Rolling-origin backtests: forecasts from a model refitted the way the daemon refits it.

The daemon does not fit once and forecast for months: it refits on a schedule on the most
recent finished curves of a group (`fit.MAX_TRAINING_ROWS` rows at most). A benchmark that fits
once on the first 70% of a history and scores the last 30% measures a model the product never
runs, months stale by the end of the test period. `rolling_forecasts` replays the product
instead: the rows to forecast are cut into blocks by the time they were observed, and each
block is forecast by a model fitted on the most recent `window` rows of the history that had
*finished* before the block started. No row finished later is used, so no block sees its own
outcomes, nor those of anything still running when its stories were observed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl

from tracker.forecast.model import GrowthModel

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Refit:
    """One refit of the backtest: when, on how many rows, and the rows' latest finish time."""

    at: datetime
    rows: int
    last_finished: datetime | None
    forecast: int  # rows of the block forecast with it
    model: GrowthModel


def rolling_forecasts(
    history: pl.DataFrame,
    targets: pl.DataFrame,
    fit: Callable[[pl.DataFrame], GrowthModel],
    *,
    every: timedelta,
    window: int,
    observed: str = "observed_at",
    finished: str = "finished_at",
) -> tuple[Array, Array, Array, list[Refit]]:
    """Point forecasts and interval bounds for every row of `targets` (in its order), each from
    a model `fit` on the `window` most recent rows of `history` (by `observed`) whose `finished`
    time is before the start of the row's block; blocks are `every` long, from the earliest
    `observed` time of `targets`. Returns the forecasts and one `Refit` per block."""
    if every <= timedelta(0) or window < 1:
        raise ValueError("rolling_forecasts: `every` must be positive and `window` at least 1")
    n = targets.height
    mid, lo, hi = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    refits: list[Refit] = []
    if n == 0:
        return mid, lo, hi, refits
    when = targets[observed]
    start: datetime = when.min()  # type: ignore[assignment]
    last: datetime = when.max()  # type: ignore[assignment]
    ordered = history.sort(observed)
    edge = start
    while edge <= last:
        block = ((when >= edge) & (when < edge + every)).to_numpy()
        if block.any():
            rows = ordered.filter(pl.col(finished) < edge).tail(window)
            model = fit(rows)
            mid[block], lo[block], hi[block] = model.predict(targets.filter(pl.Series(block)))
            latest = rows[finished].max() if rows.height else None
            refits.append(Refit(edge, rows.height, latest, int(block.sum()), model))  # type: ignore[arg-type]
        edge += every
    return mid, lo, hi, refits
