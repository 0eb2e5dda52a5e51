"""Gradient-boosted median trees (LightGBM) for the log growth of a curve.

Why trees: on Hacker News the growth still to come depends on how the front-page rank, the time
on the page and the recent velocity combine (a story at rank 3 gaining fast is not a story at
rank 25 gaining fast), which a linear model can only approximate with hand-made interactions.
The L1 objective makes each tree step towards the median, which is what median APE rewards.
Settings are small on purpose (a few hundred shallow trees, one thread): a fit on tens of
thousands of rows takes seconds, and OpenMP threads spinning on a shared 2-core machine made
two threads slower than one by a factor of a hundred. LightGBM is imported only when a model
is trained or loaded, so nothing of it is paid at import time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

ROUNDS = 300  # at most; early stopping on the held-out block usually keeps fewer
PATIENCE = 30
PARAMS: dict[str, Any] = {
    "objective": "l1",  # the median of the log growth
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "num_threads": 1,
    "deterministic": True,
    "seed": 1,
    "verbose": -1,
}


@dataclass(frozen=True)
class Trees:
    """A trained booster and what identifies it (its text form's digest and its settings)."""

    booster: Any = field(compare=False, repr=False)
    rounds: int
    digest: str

    def predict(self, x: Array) -> Array:
        return np.asarray(self.booster.predict(x, num_iteration=self.rounds), dtype=float)

    def describe(self) -> dict[str, object]:
        return {"learner": "lightgbm", "rounds": self.rounds, "params": PARAMS, "trees_sha256": self.digest}


def train(x: Array, y: Array, rounds: int = ROUNDS, valid: tuple[Array, Array] | None = None) -> Trees:
    """Fit at most `rounds` median-regression trees of `y` on `x`; with `valid` rows, stop
    once PATIENCE more rounds have not lowered their absolute error, keeping the best count."""
    import lightgbm

    params = dict(PARAMS, min_data_in_leaf=max(5, min(PARAMS["min_data_in_leaf"], len(y) // 20)))
    data = lightgbm.Dataset(x, y, params={"verbose": -1}, free_raw_data=False)
    if valid is None:
        booster = lightgbm.train(params, data, num_boost_round=rounds)
        kept = rounds
    else:
        held = lightgbm.Dataset(valid[0], valid[1], reference=data, params={"verbose": -1})
        booster = lightgbm.train(
            dict(params, metric="l1"),
            data,
            num_boost_round=rounds,
            valid_sets=[held],
            callbacks=[lightgbm.early_stopping(PATIENCE, verbose=False)],
        )
        kept = max(1, booster.best_iteration or rounds)
    digest = hashlib.sha256(booster.model_to_string(num_iteration=kept).encode()).hexdigest()[:16]
    return Trees(booster, kept, digest)
