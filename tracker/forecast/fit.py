"""Fit forecast models from the store's own history and write a forecast for every young subject.

A subject is a tracked item, or an article on one platform. Its history group is its kind,
platform and site: stories of one site on one platform grow alike, and differently from the
next. A curve is *finished* for a target age when the subject is older than that age and was
sampled up to near it. Training rows pool every finished curve at several observation ages
(1 h, 2 h, 4 h ... below the target), with the age and the target/age ratio as features, so one
model serves a story of any age; an article also sees its counts on its other platforms
(`article_sides`). A group keeps its most recent MAX_TRAINING_ROWS rows, so a refit's cost
stops growing with the store. A group with fewer than `min_history` finished curves gets the
documented prior (`model.prior_forecast`) and its rows say so. Reads go through
`sql/queries/forecast_curves.sql` (what "interactions" means) and `forecast_ranks.sql`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from tracker.config import ForecastConfig
from tracker.forecast.features import curve_features, value_at
from tracker.forecast.model import PRIOR_NAME, GrowthModel, prior_forecast, select_and_fit
from tracker.store import Store

log = logging.getLogger("tracker.forecast")

AGE_GRID_H = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)
FINISHED_SHARE = 0.8  # a curve counts as finished for a target age when sampled up to 80% of it
MIN_AGE_H = 1.0 / 60  # younger than a minute: nothing to forecast from yet
CANDIDATES = ("constant", "cs", "count", "curve", "full", "boosted")  # boosted only with enough rows
# A refit keeps the most recent rows of a group: recent stories say most about the next ones,
# and the cost of a race grows with the rows (the daemon refits every group every hour).
MAX_TRAINING_ROWS = 20_000
GROUP = ("subject_kind", "platform", "site")


@dataclass(frozen=True)
class FitReport:
    made_at: datetime
    forecasts: int
    fitted: int  # (group, target) pairs with a fitted model
    priors: int  # (group, target) pairs on the prior
    lines: tuple[str, ...]  # one per group and target, for the CLI
    fit_s: float = 0.0  # seconds spent in the model races (the rest is reading and features)


def load_history(store: Store) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Subjects (one row each, with an integer key), their curves and ranks, ages in hours."""
    raw = store.named("forecast_curves")
    ranks_raw = store.named("forecast_ranks")
    subjects = (
        raw.group_by("subject_kind", "subject_id", "platform")
        .agg(
            pl.col("site").first(),
            pl.col("born_at").first(),
            pl.col("ts").min().alias("first_ts"),
            pl.col("ts").max().alias("last_ts"),
        )
        .with_columns(born_at=pl.coalesce("born_at", "first_ts"))
        .sort("born_at", "subject_kind", "subject_id", "platform")
        .with_row_index("key")
    )
    curves = (
        raw.drop("born_at", "site")
        .join(
            subjects.select("key", "subject_kind", "subject_id", "platform", "born_at"),
            on=["subject_kind", "subject_id", "platform"],
        )
        .select(
            "key", age_h=(pl.col("ts") - pl.col("born_at")).dt.total_seconds() / 3600.0, value=pl.col("value")
        )
        .filter(pl.col("age_h") >= 0)
    )
    ranks = (
        ranks_raw.join(
            subjects.select("key", "subject_kind", "subject_id", "born_at"), on=("subject_kind", "subject_id")
        )
        .select(
            "key",
            age_h=(pl.col("ts") - pl.col("born_at")).dt.total_seconds() / 3600.0,
            value=pl.col("value"),
        )
        .filter(pl.col("age_h") >= 0)
    )
    subjects = subjects.with_columns(
        last_age_h=(pl.col("last_ts") - pl.col("born_at")).dt.total_seconds() / 3600.0
    )
    return subjects, curves, ranks


def article_sides(
    subjects: pl.DataFrame, curves: pl.DataFrame, platform: str, site: str | None
) -> dict[str, pl.DataFrame]:
    """For the articles of `site` on `platform`: their curves on each other platform, keyed by
    the article's key on `platform` (one side count per platform, named `on_<platform>`). An
    article is aged from its own birth on every platform, so the ages line up."""
    articles = subjects.filter(
        (pl.col("subject_kind") == "article")
        & (pl.col("site").is_null() if site is None else pl.col("site") == site)
    )
    mine = articles.filter(pl.col("platform") == platform).select("key", "subject_id")
    sides = {}
    for other in sorted(set(articles["platform"].to_list()) - {platform}):
        theirs = articles.filter(pl.col("platform") == other).select(other_key="key", subject_id="subject_id")
        pairs = mine.join(theirs, on="subject_id").select("key", "other_key")
        side = curves.rename({"key": "other_key"}).join(pairs, on="other_key").select("key", "age_h", "value")
        if not side.is_empty():
            sides[f"on_{other}"] = side
    return sides


def training_rows(
    subjects: pl.DataFrame,
    curves: pl.DataFrame,
    ranks: pl.DataFrame,
    now: datetime,
    horizon_h: float,
    target: str,
    sides: dict[str, pl.DataFrame] | None = None,
) -> tuple[pl.DataFrame, int]:
    """Features and `final` of finished curves, pooled over observation ages, in birth order."""
    frames = []
    age_now = (pl.lit(now) - pl.col("born_at")).dt.total_seconds() / 3600.0
    for t in AGE_GRID_H:
        target_age = horizon_h if target == "horizon" else 2 * t
        if t >= target_age or target_age > horizon_h:
            continue
        done = subjects.filter(
            (age_now >= target_age) & (pl.col("last_age_h") >= FINISHED_SHARE * target_age)
        )
        if done.is_empty():
            continue
        keys = done.select("key")
        sub_curves = curves.join(keys, on="key")
        feats = curve_features(
            sub_curves,
            t,
            ranks=ranks.join(keys, on="key") if not ranks.is_empty() else None,
            sides={name: side.join(keys, on="key") for name, side in (sides or {}).items()},
        )
        final = value_at(sub_curves, target_age).rename({"target": "final"})
        rows = feats.join(final, on="key").join(done.select("key", "born_at"), on="key")
        rows = rows.with_columns(born_hour=_hour_of_day("born_at"))
        frames.append(rows.with_columns(target_age_h=pl.lit(target_age)))
    if not frames:
        return pl.DataFrame(), 0
    rows = pl.concat(frames, how="diagonal_relaxed").sort("born_at", "key", "age_h")
    return rows, rows["key"].n_unique()


def _hour_of_day(column: str) -> pl.Expr:
    return pl.col(column).dt.hour() + pl.col(column).dt.minute() / 60.0


def version_of(model: GrowthModel, fitted_at: datetime) -> str:
    digest = hashlib.sha256(model.to_json().encode()).hexdigest()[:8]
    return f"{model.name}/{fitted_at:%Y%m%dT%H%M%SZ}/{digest}"


def run(store: Store, config: ForecastConfig, now: datetime) -> FitReport:
    """Refit every group that has young subjects, forecast them, and store models and rows."""
    subjects, curves, ranks = load_history(store)
    age_now_h = (pl.lit(now) - pl.col("born_at")).dt.total_seconds() / 3600.0
    young = subjects.with_columns(age_h=age_now_h).filter(
        (pl.col("age_h") >= MIN_AGE_H) & (pl.col("age_h") < config.horizon_h)
    )
    model_rows: list[dict[str, object]] = []
    forecast_frames: list[pl.DataFrame] = []
    lines: list[str] = []
    fitted = priors = 0
    fit_s = 0.0
    for group_key, members in young.group_by(GROUP, maintain_order=True):
        kind, platform, site = group_key
        history = subjects.filter(
            (pl.col("subject_kind") == kind)
            & (pl.col("platform") == platform)
            & (pl.col("site").is_null() if site is None else pl.col("site") == site)
        )
        group_ranks = ranks.join(history.select("key"), on="key")
        sides = article_sides(subjects, curves, platform, site) if kind == "article" else {}
        feats = curve_features(
            curves.join(members.select("key"), on="key"),
            members.select("key", "age_h"),
            ranks=group_ranks if not group_ranks.is_empty() else None,
            sides=sides,
        ).join(members.select("key", "subject_id", "last_ts", "born_at"), on="key")
        feats = feats.with_columns(born_hour=_hour_of_day("born_at"))
        if feats.is_empty():
            continue
        for target in ("horizon", "double"):
            target_age = (
                pl.lit(config.horizon_h, dtype=pl.Float64) if target == "horizon" else pl.col("age_h") * 2.0
            )
            to_predict = feats.with_columns(target_age_h=target_age)
            rows, n_curves = training_rows(history, curves, group_ranks, now, config.horizon_h, target, sides)
            where = f"{kind}s on {platform}" + (f" of {site}" if site else "")
            if n_curves >= config.min_history:
                rows = rows.tail(MAX_TRAINING_ROWS)
                started = time.perf_counter()
                model, _ = select_and_fit(
                    rows, rows["final"].to_numpy().astype(float), CANDIDATES, tuple(sides)
                )
                fit_s += time.perf_counter() - started
                version = version_of(model, now)
                mid, lo, hi = model.predict(to_predict)
                name, is_prior = model.name, False
                basis = (
                    f"{model.name} fitted on {n_curves} finished curves of {where} "
                    f"(median error {model.recent_mdape:.0%} on the most recent ones, held out)"
                )
                model_rows.append(
                    {
                        "model_version": version,
                        "model": name,
                        "subject_kind": kind,
                        "platform": platform,
                        "site": site,
                        "target": target,
                        "fitted_at": now,
                        "curves": n_curves,
                        "examples": rows.height,
                        "cv_mdape": model.cv_mdape,
                        "params": model.to_json(),
                    }
                )
                fitted += 1
            else:
                mid, lo, hi = prior_forecast(
                    to_predict["n_t"].to_numpy().astype(float),
                    to_predict["age_h"].to_numpy().astype(float),
                    to_predict["target_age_h"].to_numpy().astype(float),
                )
                name, is_prior, version = PRIOR_NAME, True, f"{PRIOR_NAME}/1"
                basis = (
                    f"prior: only {n_curves} finished curves of {where}, {config.min_history} needed; "
                    "a power law in age with a deliberately wide interval"
                )
                priors += 1
            lines.append(f"{target:<8} {where}: {basis}")
            forecast_frames.append(
                _rows(
                    to_predict, kind, platform, site, target, mid, lo, hi, name, version, is_prior, basis, now
                )
            )
    written = _write(store, model_rows, forecast_frames)
    log.info("forecasts: %d written, %d models fitted, %d on the prior", written, fitted, priors)
    return FitReport(now, written, fitted, priors, tuple(lines), fit_s)


def _rows(
    feats: pl.DataFrame,
    kind: str,
    platform: str,
    site: str | None,
    target: str,
    mid: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    model: str,
    version: str,
    is_prior: bool,
    basis: str,
    now: datetime,
) -> pl.DataFrame:
    rank = pl.col("rank_t") if "rank_t" in feats.columns else pl.lit(None, dtype=pl.Float64)
    off = pl.col("off_page") > 0 if "off_page" in feats.columns else pl.lit(True)
    return feats.select(
        made_at=pl.lit(now),
        subject_kind=pl.lit(kind),
        subject_id=pl.col("subject_id").cast(pl.Int64),
        platform=pl.lit(platform),
        site=pl.lit(site, dtype=pl.String),
        target=pl.lit(target),
        target_age_s=pl.col("target_age_h") * 3600.0,
        age_s=pl.col("age_h") * 3600.0,
        inputs_at=pl.col("last_ts"),
        interactions_now=pl.col("n_t").cast(pl.Float64),
        early_counts=pl.concat_list([pl.col(c).cast(pl.Float64) for c in ("n_q25", "n_q50", "n_q75", "n_t")]),
        rank_now=pl.when(off).then(None).otherwise(rank).cast(pl.Float64),
        predicted=pl.Series(mid),
        lower=pl.Series(lo),
        upper=pl.Series(hi),
        model=pl.lit(model),
        model_version=pl.lit(version),
        is_prior=pl.lit(is_prior),
        basis=pl.lit(basis),
    )


def _write(store: Store, models: list[dict[str, object]], frames: list[pl.DataFrame]) -> int:
    rows = pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()
    with store.transaction() as cur:
        if models:
            cur.register("_forecast_models", pl.DataFrame(models).to_arrow())
            cur.execute("insert or replace into forecast_models by name select * from _forecast_models")
            cur.unregister("_forecast_models")
        if not rows.is_empty():
            cur.register("_forecast_rows", rows.to_arrow())
            cur.execute("insert or replace into forecast_rows by name select * from _forecast_rows")
            cur.unregister("_forecast_rows")
    return rows.height
