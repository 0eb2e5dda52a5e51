"""The learners and the race between them: median models of growth on early-curve features,
each with an 80% interval from conformal calibration on held-out curves.

We predict g = ln(1 + N_T) - ln(1 + n_t), the log growth from the count now to the count at the
target age. Szabo and Huberman's model is the special case with only an intercept (`constant`).
The linear candidates are least-absolute-deviation (median) regressions solved by iteratively
reweighted least squares; the `boosted` candidate is LightGBM median trees
(tracker.forecast.boosted), which earn their place where rank, time on the page and velocity
combine (Hacker News). Medians are what median absolute percentage error rewards, and a
handful of huge outliers does not drag them. The interval is the point forecast plus the
LOWER_Q and UPPER_Q quantiles of the growth residuals on curves the fit never saw. Counts
never shrink, so no bound is below the count already seen. `select_and_fit` runs the race on
held-out training rows only (docs/accuracy.md).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from tracker.forecast.boosted import Trees, train

Array = npt.NDArray[np.float64]

MODEL_NAME = "curve-loglinear-median"
BOOSTED_NAME = "curve-boosted-median"
PRIOR_NAME = "prior-power-law"
# An 80% interval with a margin: each side aims at 9% outside, so that on a few hundred new
# stories (sampling noise about 1.7 points) the share outside stays within 10% +- 2 on each side.
LOWER_Q, UPPER_Q = 0.09, 0.91
# The documented prior, used with too little history (see docs/accuracy.md): cumulative counts
# of social posts grow roughly like a power of age that flattens out; we take N(T) = n_t * (T/t)^0.25
# as the middle and (T/t)^0 .. (T/t)^0.8 as a deliberately wide interval.
PRIOR_EXPONENT, PRIOR_LOW_EXPONENT, PRIOR_HIGH_EXPONENT = 0.25, 0.0, 0.8

FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "constant": (),  # Szabo-Huberman: the same growth for every story, tuned for median APE
    "cs": ("cs",),  # Szabo-Huberman's constant scaling N = alpha * n exactly as published
    "count": ("lnt",),
    "curve": ("lnt", "lnt2", "d25", "d50", "d75", "stale", "pace", "sides", "age", "clock"),
    "full": ("lnt", "lnt2", "d25", "d50", "d75", "stale", "pace", "sides", "age", "clock", "rank"),
    # boosted trees (tracker.forecast.boosted) on everything, rank trajectory included
    "boosted": ("lnt", "d25", "d50", "d75", "stale", "pace", "sides", "age", "clock", "rank", "trajectory"),
}
BOOSTED = frozenset({"boosted"})
BAND_MIN_ROWS = 50  # held-out rows of one observation age needed for its own interval band
RANK_TOLERANCE = 0.002  # a Spearman's rho this much below the count's is a tie
BOOSTED_MIN_ROWS = 2000  # fewer rows than this: trees overfit and the linear model is as good


def design(
    features: pl.DataFrame, parts: Sequence[str], sides: Sequence[str] = ()
) -> tuple[Array, list[str]]:
    """Turn a feature frame (tracker.forecast.features) into a numeric matrix and column names."""
    f = features
    lnt = np.log1p(f["n_t"].to_numpy().astype(float))
    cols: dict[str, Array] = {}
    if "cs" in parts:  # ln(n): CS scales the count itself, not 1 + count (see _apply)
        cols["log_count"] = np.log(np.maximum(f["n_t"].to_numpy().astype(float), 1e-9))
    if "lnt" in parts:
        cols["lnt"] = lnt
    if "lnt2" in parts:
        cols["lnt2"] = lnt**2
    for q in ("25", "50", "75"):
        if f"d{q}" in parts:
            cols[f"d{q}"] = lnt - np.log1p(f[f"n_q{q}"].to_numpy().astype(float))
    if "stale" in parts:
        cols["stale"] = f["stale"].to_numpy().astype(float)
    if "sides" in parts:
        for name in sides:
            cols[f"side_{name}"] = np.log1p(f[name].to_numpy().astype(float)) - lnt
    if "age" in parts and "target_age_h" in f.columns:
        cols["log_age"] = np.log(f["age_h"].to_numpy().astype(float))
        cols["log_ratio"] = np.log(f["target_age_h"].to_numpy().astype(float) / f["age_h"].to_numpy())
    if "clock" in parts and "born_hour" in f.columns:
        # the hour (UTC) a story started: audiences and front pages follow the day
        angle = f["born_hour"].to_numpy().astype(float) / 24.0 * 2 * math.pi
        for k in (1, 2):
            cols[f"sin{k}_hour"] = np.sin(k * angle)
            cols[f"cos{k}_hour"] = np.cos(k * angle)
    if "rank" in parts and "rank_t" in f.columns:
        off = f["off_page"].to_numpy().astype(float)
        lr = np.log(f["rank_t"].to_numpy().astype(float))
        cols["off_page"] = off
        cols["log_rank"] = lr
        cols["log_rank_best"] = np.log(f["rank_best"].to_numpy().astype(float))
        cols["log_rank_mean"] = np.log(f["rank_mean"].to_numpy().astype(float))
        cols["off_x_lnt"] = off * lnt
        cols["rank_x_lnt"] = (1 - off) * lr * lnt
        if "d75" in cols:
            cols["off_x_d75"] = off * cols["d75"]
            cols["on_x_d75"] = (1 - off) * cols["d75"]
        rank = f["rank_t"].to_numpy().astype(float)
        for low, high in ((1, 3), (4, 10), (11, 20)):  # page position bands, by themselves and with the slope
            band = ((rank >= low) & (rank <= high)).astype(float)
            cols[f"rank_{low}_{high}"] = band
            if "d75" in cols:
                cols[f"rank_{low}_{high}_x_d75"] = band * cols["d75"]
    if "pace" in parts and "n_prev" in f.columns:
        # log growth per hour over the latest gap between samples and since the first sample
        last = f["last_age_h"].to_numpy().astype(float)
        for name, count, at in (("prev", "n_prev", "prev_age_h"), ("first", "n_first", "first_age_h")):
            gap = np.maximum(last - f[at].to_numpy().astype(float), 1.0 / 60)
            cols[f"rate_{name}"] = (lnt - np.log1p(f[count].to_numpy().astype(float))) / gap
        cols["ln_first"] = np.log1p(f["n_first"].to_numpy().astype(float))
        cols["first_age"] = f["first_age_h"].to_numpy().astype(float)
    if "trajectory" in parts and "rank_q50" in f.columns:
        cols["log_rank_first"] = np.log(f["rank_first"].to_numpy().astype(float))
        cols["log_rank_q50"] = np.log(f["rank_q50"].to_numpy().astype(float))
        cols["since_page"] = f["since_page"].to_numpy().astype(float)
        cols["page_samples"] = f["page_samples"].to_numpy().astype(float)
        if "rank_prev" in f.columns:  # the page position one sample ago, and when it reached the page
            cols["log_rank_prev"] = np.log(f["rank_prev"].to_numpy().astype(float))
            cols["page_entered"] = f["page_entered"].to_numpy().astype(float)
    names = list(cols)
    matrix = np.column_stack([cols[n] for n in names]) if names else np.zeros((f.height, 0))
    return matrix, names


def growth(n_t: Array, final: Array) -> Array:
    return np.log1p(final) - np.log1p(n_t)


def median_regression(x: Array, y: Array, iterations: int = 40, ridge: float = 1e-3) -> Array:
    """Least absolute deviations by IRLS; returns coefficients with the intercept first.

    Each step solves the small weighted normal equations (columns x columns) rather than a
    least-squares problem over every row: the same solution for these standardised, lightly
    ridged columns, and hundreds of times cheaper on a loaded machine, where a multi-threaded
    lstsq over thousands of rows spent most of the daemon's refit waiting for cores."""
    a = np.column_stack([np.ones(len(x)), x])
    penalty = ridge * np.eye(a.shape[1])
    penalty[0, 0] = 0.0
    w = np.ones(len(y))
    beta = np.zeros(a.shape[1])
    for _ in range(iterations):
        aw = a * w[:, None]
        lhs = a.T @ aw + penalty
        try:
            beta = np.linalg.solve(lhs, aw.T @ y)
        except np.linalg.LinAlgError:
            beta = np.linalg.lstsq(lhs, aw.T @ y, rcond=None)[0]
        w = 1.0 / np.maximum(np.abs(y - a @ beta), 1e-3)
    return beta


def conformal_quantile(residuals: Array, q: float) -> float:
    """The finite-sample split-conformal quantile of held-out residuals."""
    n = len(residuals)
    if n == 0:
        return 0.0
    level = min(1.0, max(0.0, math.ceil(q * (n + 1)) / n if q > 0.5 else math.floor(q * (n + 1)) / n))
    return float(np.quantile(residuals, level))


@dataclass(frozen=True)
class GrowthModel:
    """A fitted model: the learner (standardised linear coefficients, or boosted trees), the
    point offset, the residual band, and how it did on the most recent held-out block."""

    parts: tuple[str, ...]
    sides: tuple[str, ...]
    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    offset: float  # added to the median growth for the point forecast (tuned for median APE)
    lower: float  # LOWER_Q quantile of held-out log-growth residuals
    upper: float  # UPPER_Q quantile
    n_fit: int
    cv_mdape: float
    name: str = MODEL_NAME
    trees: Trees | None = field(default=None, compare=False, repr=False)
    recent_mdape: float = math.nan  # on the most recent block, predicted by a fit that never saw it
    recent_rho_gap: float = math.nan  # its Spearman's rho there, less that of the count alone
    cv_rho_gap: float = math.nan  # the same, averaged over cross-validation blocks (linear only)
    # (observation age, lower, upper) per age with BAND_MIN_ROWS held-out rows: conformal per age
    bands: tuple[tuple[float, float, float], ...] = ()

    def predict_growth(self, features: pl.DataFrame) -> Array:
        x, _ = design(features, self.parts, self.sides)
        if self.trees is not None:
            return self.trees.predict(x)
        return _apply(x, np.array(self.mean), np.array(self.scale), np.array(self.coef), self.parts)

    def predict(self, features: pl.DataFrame) -> tuple[Array, Array, Array]:
        """Point forecast and 80% interval of the count at the target age."""
        n_t = features["n_t"].to_numpy().astype(float)
        g = self.predict_growth(features)
        base = np.log1p(n_t)
        lower, upper = self.band_for(features)
        mid, lo, hi = (np.maximum(np.expm1(base + g + d), n_t) for d in (self.offset, lower, upper))
        return mid, np.minimum(lo, mid), np.maximum(hi, mid)

    def band_for(self, features: pl.DataFrame) -> tuple[Array, Array]:
        """The interval's log offsets for each row: the band of the oldest calibrated
        observation age at or below the row's age (the youngest band for younger rows), or the
        band over all ages when the model has no per-age bands."""
        n = features.height
        if not self.bands or "age_h" not in features.columns:
            return np.full(n, self.lower), np.full(n, self.upper)
        ages = np.array([b[0] for b in self.bands])
        at = np.clip(np.searchsorted(ages, features["age_h"].to_numpy().astype(float) + 1e-9) - 1, 0, None)
        return np.array([b[1] for b in self.bands])[at], np.array([b[2] for b in self.bands])[at]

    def to_json(self) -> str:
        """The parameters as stored beside the forecasts (boosted trees by their digest)."""
        keys = (
            "name",
            "parts",
            "sides",
            "names",
            "mean",
            "scale",
            "coef",
            "offset",
            "lower",
            "upper",
            "bands",
            "n_fit",
        )
        out: dict[str, object] = {k: getattr(self, k) for k in keys}
        if self.trees is not None:
            out.update(self.trees.describe())
        return json.dumps(out)


def _fit_coef(
    features: pl.DataFrame, final: Array, parts: Sequence[str], sides: Sequence[str]
) -> tuple[list[str], Array, Array, Array]:
    x, names = design(features, parts, sides)
    if tuple(parts) == FEATURE_SETS["cs"]:
        return names, np.zeros(1), np.ones(1), np.array([_cs_log_alpha(features, final), 1.0])
    mean = x.mean(axis=0) if len(x) else np.zeros(x.shape[1])
    scale = x.std(axis=0) if len(x) else np.ones(x.shape[1])
    scale = np.where(scale > 1e-12, scale, 1.0)
    y = growth(features["n_t"].to_numpy().astype(float), final)
    return names, mean, scale, median_regression((x - mean) / scale, y)


def _cs_log_alpha(features: pl.DataFrame, final: Array) -> float:
    """ln(alpha) of Szabo-Huberman's constant scaling N = alpha * n, fitted as they do: alpha
    minimises the squared relative error sum((alpha * n / N - 1)^2)."""
    n_t = features["n_t"].to_numpy().astype(float)
    keep = (final > 0) & (n_t > 0)
    ratio = n_t[keep] / final[keep]
    return math.log(ratio.sum() / (ratio**2).sum()) if keep.any() else 0.0


def _tuned_offset(parts: Sequence[str], n_t: Array, g_hat: Array, final: Array) -> tuple[float, float]:
    """The point offset and the median APE it gives; Szabo-Huberman's CS is kept as published."""
    if tuple(parts) == FEATURE_SETS["cs"]:
        return 0.0, _score(n_t, g_hat, final)[0]
    return best_offset(n_t, g_hat, final)


def _apply(x: Array, mean: Array, scale: Array, beta: Array, parts: Sequence[str] = ()) -> Array:
    """The linear model's log growth; for CS, ln(1 + alpha * n) - ln(1 + n) from x = ln(n)."""
    if tuple(parts) == FEATURE_SETS["cs"]:
        return np.asarray(np.logaddexp(0.0, beta[0] + x[:, 0]) - np.logaddexp(0.0, x[:, 0]), dtype=float)
    if not x.shape[1]:
        return np.full(len(x), float(beta[0]))
    return np.asarray(beta[0] + ((x - mean) / scale) @ beta[1:], dtype=float)


def best_offset(n_t: Array, g_hat: Array, final: Array) -> tuple[float, float]:
    """The shift of the log forecast that minimises median APE (over-forecasts cost more in
    APE than under-forecasts of the same log size, so the median in logs is not optimal)."""
    grid = np.arange(-2.0, 1.001, 0.01)
    base = np.log1p(n_t) + g_hat
    scores = [median_ape(np.maximum(np.expm1(base + c), n_t), final) for c in grid]
    i = int(np.nanargmin(scores))
    return float(grid[i]), float(scores[i])


def fit(
    features: pl.DataFrame, final: Array, parts: Sequence[str], sides: Sequence[str] = (), folds: int = 5
) -> GrowthModel:
    """Fit on every row; calibrate the interval and the point offset on cross-validated
    residuals (K contiguous blocks, each predicted by a model that never saw it)."""
    n = features.height
    folds = max(2, min(folds, n // 10)) if n >= 20 else 2
    edges = np.linspace(0, n, folds + 1).astype(int)
    x_all, _ = design(features, parts, sides)
    g_cv = np.zeros(n)
    for k in range(folds):
        held = np.zeros(n, dtype=bool)
        held[edges[k] : edges[k + 1]] = True
        idx = np.flatnonzero(~held)
        _, mean, scale, beta = _fit_coef(features[idx], final[~held], parts, sides)
        g_cv[held] = _apply(x_all[held], mean, scale, beta, parts)
    n_t = features["n_t"].to_numpy().astype(float)
    residuals = growth(n_t, final) - g_cv
    offset, cv_mdape = _tuned_offset(parts, n_t, g_cv, final)
    names, mean, scale, beta = _fit_coef(features, final, parts, sides)
    recent = slice(edges[-2], n)
    return GrowthModel(
        tuple(parts),
        tuple(sides),
        tuple(names),
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in beta),
        offset,
        conformal_quantile(residuals, LOWER_Q),
        conformal_quantile(residuals, UPPER_Q),
        n,
        cv_mdape,
        recent_mdape=_score(n_t[recent], g_cv[recent] + offset, final[recent])[0],
        recent_rho_gap=_rho_gap(n_t[recent], g_cv[recent], final[recent]),
        cv_rho_gap=float(
            np.nanmean(
                [
                    _rho_gap(
                        n_t[edges[k] : edges[k + 1]],
                        g_cv[edges[k] : edges[k + 1]],
                        final[edges[k] : edges[k + 1]],
                    )
                    for k in range(folds)
                ]
            )
        ),
        bands=age_bands(_obs_ages(features), residuals),
    )


def age_bands(ages: Array, residuals: Array) -> tuple[tuple[float, float, float], ...]:
    """Split-conformal bands per observation age: a model pooled over ages (the product's)
    misses by far more at 1 h than at 64 h, so one band for all would be too narrow for young
    stories and too wide for old ones. Ages with fewer than BAND_MIN_ROWS held-out rows get
    none (they use the pooled band, or the next younger age's)."""
    known = np.isfinite(ages)
    values, counts = np.unique(ages[known], return_counts=True)
    if len(values) < 2:
        return ()
    return tuple(
        (
            float(a),
            conformal_quantile(residuals[ages == a], LOWER_Q),
            conformal_quantile(residuals[ages == a], UPPER_Q),
        )
        for a, c in zip(values, counts, strict=True)
        if c >= BAND_MIN_ROWS
    )


def _rho_gap(n_t: Array, g_hat: Array, final: Array) -> float:
    """How much better (positive) or worse the forecasts rank these rows than the count does."""
    return _score(n_t, g_hat, final)[1] - spearman(n_t, final)


def _score(n_t: Array, g_hat: Array, final: Array) -> tuple[float, float]:
    """Median APE and Spearman's rho of the forecasts n_t * e^g_hat."""
    predicted = np.maximum(np.expm1(np.log1p(n_t) + g_hat), n_t)
    return median_ape(predicted, final), spearman(predicted, final)


def spearman(a: Array, b: Array) -> float:
    if len(a) < 3:
        return math.nan
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def _ranks(a: Array) -> Array:
    """Ranks from 0, ties given their average rank."""
    order = np.argsort(a, kind="mergesort")
    ordered = a[order]
    starts = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    first = np.flatnonzero(starts)
    average = first + (np.diff(np.append(first, len(a))) - 1) / 2.0
    ranks = np.empty(len(a))
    ranks[order] = average[np.cumsum(starts) - 1]
    return ranks


def _hold_out(
    features: pl.DataFrame,
    final: Array,
    parts: Sequence[str],
    sides: Sequence[str],
    cut: int,
    boosted: bool,
    rounds: int | None,
) -> tuple[Array, int | None]:
    """The log growth of rows `cut:` (the most recent block) predicted by a fit on rows `:cut`;
    for trees, also how many rounds early stopping on that block kept."""
    x, _ = design(features, parts, sides)
    y = growth(features["n_t"].to_numpy().astype(float), final)
    if boosted:
        kwargs = {} if rounds is None else {"rounds": rounds}
        trees = train(x[:cut], y[:cut], valid=(x[cut:], y[cut:]), **kwargs)
        return trees.predict(x[cut:]), trees.rounds
    _, mean, scale, beta = _fit_coef(features[:cut], final[:cut], parts, sides)
    return _apply(x[cut:], mean, scale, beta, parts), None


def _finish(
    features: pl.DataFrame,
    final: Array,
    parts: Sequence[str],
    sides: Sequence[str],
    cut: int,
    g_held: Array,
    rounds: int | None,
) -> GrowthModel:
    """Split-conformal calibration from the held-out block's residuals (point offset and
    interval), then the learner refitted on every row: trees with the rounds early stopping
    kept (`rounds` not None), or the linear median regression."""
    n_t = features["n_t"].to_numpy().astype(float)
    y = growth(n_t, final)
    residuals = y[cut:] - g_held
    offset, cal_mdape = _tuned_offset(parts, n_t[cut:], g_held, final[cut:])
    x, names = design(features, parts, sides)
    trees: Trees | None = None
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    beta: tuple[float, ...] = ()
    if rounds is not None:
        trees = train(x, y, rounds=rounds)
    else:
        _, m, sc, b = _fit_coef(features, final, parts, sides)
        mean, scale, beta = tuple(map(float, m)), tuple(map(float, sc)), tuple(map(float, b))
    return GrowthModel(
        tuple(parts),
        tuple(sides),
        tuple(names),
        mean,
        scale,
        beta,
        offset,
        conformal_quantile(residuals, LOWER_Q),
        conformal_quantile(residuals, UPPER_Q),
        features.height,
        cal_mdape,
        name=MODEL_NAME if trees is None else BOOSTED_NAME,
        trees=trees,
        recent_mdape=cal_mdape,
        recent_rho_gap=_rho_gap(n_t[cut:], g_held, final[cut:]),
        bands=age_bands(_obs_ages(features)[cut:], residuals),
    )


def _obs_ages(features: pl.DataFrame) -> Array:
    """Each row's observation age (empty when the rows do not say)."""
    if "age_h" not in features.columns:
        return np.full(features.height, np.nan)
    return features["age_h"].to_numpy().astype(float)


def _recent_cut(n: int, folds: int) -> int:
    """Where the most recent of `folds` contiguous blocks starts."""
    return int(np.linspace(0, n, folds + 1)[-2])


def fit_boosted(
    features: pl.DataFrame,
    final: Array,
    parts: Sequence[str],
    sides: Sequence[str] = (),
    folds: int = 5,
    rounds: int | None = None,
) -> GrowthModel:
    """Boosted median trees with split-conformal calibration: trees fitted on the older
    (folds-1)/folds of the rows predict the most recent block (early stopping there picks the
    number of rounds, at most `rounds`); the point offset and the interval come from those
    held-out residuals; then trees with that many rounds are refitted on every row."""
    cut = _recent_cut(features.height, folds)
    g_held, kept = _hold_out(features, final, parts, sides, cut, True, rounds)
    return _finish(features, final, parts, sides, cut, g_held, kept)


def median_ape(predicted: Array, actual: Array) -> float:
    keep = actual > 0
    return float(np.median(np.abs(predicted[keep] - actual[keep]) / actual[keep])) if keep.any() else math.nan


def select_and_fit(
    features: pl.DataFrame,
    final: Array,
    candidates: Sequence[str],
    sides: Sequence[str] = (),
    min_boosted_rows: int = BOOSTED_MIN_ROWS,
    rounds: int | None = None,
    folds: int = 5,
) -> tuple[GrowthModel, dict[str, float]]:
    """Keep the candidate with the lowest held-out median APE inside the rows given (the
    training part only). With at least `min_boosted_rows` rows (trees in the race) every
    candidate is fitted once on the older rows and scored on the most recent block, and only
    the winner is refitted on every row: one fit per candidate, not a cross-validation each,
    which is what keeps the daemon's refit cheap. With fewer rows, linear models only, scored
    over all cross-validation blocks (more rows, less noise on small histories). A candidate
    must also rank those rows at least as well as the count alone does (Szabo-Huberman's
    ranking, within RANK_TOLERANCE), so a richer model never buys its error with a worse order.
    Returns the model and the scores."""
    with_trees = features.height >= min_boosted_rows and any(c in BOOSTED for c in candidates)
    if with_trees:
        cut = _recent_cut(features.height, folds)
        n_t, held_final = features["n_t"].to_numpy().astype(float)[cut:], final[cut:]
        held: dict[str, tuple[Array, int | None]] = {
            name: _hold_out(features, final, FEATURE_SETS[name], sides, cut, name in BOOSTED, rounds)
            for name in candidates
        }
        scores = {k: _tuned_offset(FEATURE_SETS[k], n_t, g, held_final)[1] for k, (g, _) in held.items()}
        gaps = {k: _rho_gap(n_t, g, held_final) for k, (g, _) in held.items()}
    else:
        models = {
            name: fit(features, final, FEATURE_SETS[name], sides, folds)
            for name in candidates
            if name not in BOOSTED
        }
        scores = {k: m.cv_mdape for k, m in models.items()}
        gaps = {k: m.cv_rho_gap for k, m in models.items()}
    eligible = [k for k in scores if not gaps[k] < -RANK_TOLERANCE] or list(scores)
    best = min(eligible, key=lambda k: (math.isnan(scores[k]), scores[k]))
    if not with_trees:
        return models[best], scores
    g_held, kept = held[best]
    return _finish(features, final, FEATURE_SETS[best], sides, cut, g_held, kept), scores


def prior_forecast(n_t: Array, age_h: Array, target_age_h: Array) -> tuple[Array, Array, Array]:
    """The documented prior when there is no history: a power law in age, with a wide band."""
    ratio = np.maximum(target_age_h / np.maximum(age_h, 1e-6), 1.0)
    base = np.maximum(n_t, 0.0)
    return (
        base * ratio**PRIOR_EXPONENT,
        base * ratio**PRIOR_LOW_EXPONENT,
        np.maximum(base * ratio**PRIOR_HIGH_EXPONENT, base + 1.0),
    )
