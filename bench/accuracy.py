"""Forecast accuracy on the real series in ../shared/data, against the Szabo-Huberman baselines
their READMEs give, on the same temporal 70/30 splits. Prints one table: per dataset and
observation age, median absolute percentage error, Spearman's rho and the share of test items
below and above the 80% interval, for our model and the baselines (LN, CS).

Tuning (the learner and feature set) happens on a dev split inside the training part (its most
recent block, predicted by fits on the older rows); the interval is calibrated on held-out
training rows (split-conformal); the test part is only scored.

With `--refit-days N`, Hacker News also gets a row for our model as the product runs it:
refitted every N days on the most recent stories finished before then (the training part and
the test stories already finished), never on a story still running (tracker.forecast.backtest).

`--dev 0.5` scores a dev split inside the training part instead (its first half to fit, its
second half to score), for tuning without looking at the test part.

    .venv/bin/python bench/accuracy.py [--data ../shared/data] [--only hn] [--refit-days 30] [--dev 0.5]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.forecast.backtest import rolling_forecasts
from tracker.forecast.features import curve_features, value_at
from tracker.forecast.fit import MAX_TRAINING_ROWS
from tracker.forecast.model import FEATURE_SETS, GrowthModel, growth, median_ape, select_and_fit, spearman

Array = np.ndarray

TRAIN_SHARE = 0.7
UCI_PLATFORMS = ("facebook", "googleplus", "linkedin")


@dataclass
class Task:
    dataset: str
    label: str
    age_h: float
    train: pl.DataFrame  # features + "final", in time order
    test: pl.DataFrame
    sides: tuple[str, ...]
    candidates: tuple[str, ...]


def outside(actual: Array, lo: Array, hi: Array) -> tuple[float, float]:
    return float(np.mean(actual < lo - 1e-9)), float(np.mean(actual > hi + 1e-9))


def hn_tasks(root: Path) -> Iterator[Task]:
    snaps = pl.read_parquet(root / "hn_frontpage_history" / "snapshots.parquet")
    times = snaps.select("observed_at").unique().sort("observed_at")
    times = times.with_columns(prev=pl.col("observed_at").shift(1))
    first = snaps.group_by("item_id").agg(
        t0=pl.col("observed_at").min(),
        final=pl.col("points").max(),
        finished_at=pl.col("observed_at").max(),  # its last front-page sighting: the final is known
    )
    first = first.join(times, left_on="t0", right_on="observed_at", how="left")
    # As the README: t0 known to within an hour (the snapshot before it at most 1 h earlier),
    # stories of the very first snapshot dropped; temporal split by t0.
    first = first.filter(
        pl.col("prev").is_not_null() & ((pl.col("t0") - pl.col("prev")) <= pl.duration(hours=1))
    )
    first = first.sort("t0", "item_id").rename({"item_id": "key"})
    cut = int(first.height * TRAIN_SHARE)
    first = first.with_columns(is_test=pl.int_range(0, first.height) >= cut)
    long = snaps.rename({"item_id": "key"}).join(first.select("key", "t0"), on="key")
    long = long.with_columns(age_h=(pl.col("observed_at") - pl.col("t0")).dt.total_seconds() / 3600.0)
    curves = long.select("key", "age_h", value=pl.col("points").cast(pl.Float64)).drop_nulls()
    ranks = long.select("key", "age_h", value=pl.col("rank").cast(pl.Float64))
    comments = long.select("key", "age_h", value=pl.col("comments").cast(pl.Float64)).drop_nulls()
    for age in (1.0, 2.0, 4.0):
        feats = curve_features(curves, age, ranks=ranks, sides={"comments": comments})
        rows = (
            first.join(feats, on="key")
            .filter((pl.col("n_t") > 0) & (pl.col("final") > 0))
            .with_columns(
                born_hour=pl.col("t0").dt.hour() + pl.col("t0").dt.minute() / 60.0,
                observed_at=pl.col("t0") + pl.duration(seconds=int(age * 3600)),
            )
            .sort("t0", "key")
        )
        yield Task(
            "HN front page (points)",
            f"{age:g} h -> max",
            age,
            rows.filter(~pl.col("is_test")),
            rows.filter(pl.col("is_test")),
            ("comments",),
            ("constant", "cs", "count", "curve", "full", "boosted"),
        )


def uci_tasks(root: Path, platforms: tuple[str, ...] = ("facebook",)) -> Iterator[Task]:
    ts = pl.read_parquet(root / "uci_news_feedback_palestine" / "timeseries.parquet")
    for platform in platforms:
        part = ts.filter(pl.col("platform") == platform)
        curves = part.select(
            key=pl.col("id_link"),
            age_h=pl.col("minutes_after_publication").cast(pl.Float64) / 60.0,
            value=pl.col("popularity").cast(pl.Float64),
        )
        final = value_at(curves, 48.0).rename({"target": "final"})
        ids = curves.select("key").unique().sort("key")
        cut = int(ids.height * TRAIN_SHARE)
        ids = ids.with_columns(is_test=pl.int_range(0, ids.height) >= cut)
        for age in (1.0, 4.0, 12.0):
            # the same story's counts on the other platforms at the same age (the product keeps
            # an article's curve per platform; tracker.forecast.fit.article_sides)
            others = {
                f"on_{other}": ts.filter(pl.col("platform") == other).select(
                    key=pl.col("id_link"),
                    age_h=pl.col("minutes_after_publication").cast(pl.Float64) / 60.0,
                    value=pl.col("popularity").cast(pl.Float64),
                )
                for other in UCI_PLATFORMS
                if other != platform
            }
            feats = curve_features(curves, age, sides=others)
            # the count must be measured exactly at t_i (a slice ends there), as in the README
            feats = feats.filter((pl.col("last_age_h") - age).abs() < 1e-6)
            rows = (
                ids.join(final, on="key")
                .join(feats, on="key")
                .filter((pl.col("n_t") > 0) & (pl.col("final") > 0))
                .sort("key")
            )
            yield Task(
                f"UCI {platform} (shares)",
                f"{age:g} h -> 48 h",
                age,
                rows.filter(~pl.col("is_test")),
                rows.filter(pl.col("is_test")),
                tuple(others),
                ("constant", "cs", "count", "curve", "boosted"),
            )


def youtube_tasks(root: Path) -> Iterator[Task]:
    raw = pl.read_csv(root / "youtube_trending_2017" / "trending_daily.csv", try_parse_dates=True)
    raw = raw.with_columns(pl.col("trending_date").cast(pl.Date))
    for country in ("US", "GB"):
        part = raw.filter(pl.col("country") == country)
        t0 = part.group_by("video_id").agg(t0=pl.col("trending_date").min())
        t0 = t0.filter(pl.col("t0") != date(2017, 9, 13))
        long = part.join(t0, on="video_id").rename({"video_id": "key"})
        long = long.with_columns(age_h=(pl.col("trending_date") - pl.col("t0")).dt.total_days() * 24.0)
        sides = {
            m: long.select("key", "age_h", value=pl.col(m).cast(pl.Float64))
            for m in ("likes", "dislikes", "comments")
        }
        curves = long.select("key", "age_h", value=pl.col("views").cast(pl.Float64))
        final = curves.filter(pl.col("age_h") == 72.0).select("key", final=pl.col("value"))
        feats = curve_features(curves, 0.0, sides=sides).filter(pl.col("last_age_h") == 0.0)
        rows = (
            t0.rename({"video_id": "key"})
            .join(final, on="key")
            .join(feats, on="key")
            .filter((pl.col("n_t") > 0) & (pl.col("final") > 0))
            .sort("t0", "key")
        )
        cut = int(rows.height * TRAIN_SHARE)
        yield Task(
            f"YouTube trending {country} (views)",
            "day 0 -> day +3",
            0.0,
            rows.slice(0, cut),
            rows.slice(cut),
            ("likes", "dislikes", "comments"),
            ("constant", "cs", "count", "curve", "boosted"),
        )


def dev_split(task: Task, share: float) -> Task:
    """The task with its test part dropped and its training part split in time: the first
    `share` to fit on, the rest to score (a dev split, for tuning without the test part)."""
    cut = int(task.train.height * share)
    return replace(task, train=task.train.slice(0, cut), test=task.train.slice(cut))


def rolling(task: Task, days: float) -> dict[str, object]:
    """Our model refitted every `days` on the most recent finished stories (train and earlier
    test stories whose final was known by then), as the daemon refits: tracker.forecast.backtest."""
    history = pl.concat([task.train, task.test], how="vertical_relaxed")
    started = time.perf_counter()

    def refit(rows: pl.DataFrame) -> GrowthModel:
        return select_and_fit(rows, rows["final"].to_numpy().astype(float), task.candidates, task.sides)[0]

    mid, lo, hi, refits = rolling_forecasts(
        history, task.test, refit, every=timedelta(days=days), window=MAX_TRAINING_ROWS
    )
    f_test = task.test["final"].to_numpy().astype(float)
    below, above = outside(f_test, lo, hi)
    chosen = sorted({next(k for k, v in FEATURE_SETS.items() if v == r.model.parts) for r in refits})
    return {
        "model": f"ours, {len(refits)} refits ({'/'.join(chosen)})",
        "mdape": median_ape(mid, f_test),
        "rho": spearman(mid, f_test),
        "below": below,
        "above": above,
        "fit_s": f"{time.perf_counter() - started:.1f}",
    }


def evaluate(task: Task, refit_days: float = 0.0) -> list[dict[str, object]]:
    f_train = task.train["final"].to_numpy().astype(float)
    f_test = task.test["final"].to_numpy().astype(float)
    n_train = task.train["n_t"].to_numpy().astype(float)
    n_test = task.test["n_t"].to_numpy().astype(float)
    started = time.perf_counter()
    model, dev = select_and_fit(task.train, f_train, task.candidates, task.sides)
    fit_s = time.perf_counter() - started
    mid, lo, hi = model.predict(task.test)
    below, above = outside(f_test, lo, hi)
    rows: list[dict[str, object]] = [
        {
            "model": "ours (" + next(k for k, v in FEATURE_SETS.items() if v == model.parts) + ")",
            "mdape": median_ape(mid, f_test),
            "rho": spearman(mid, f_test),
            "below": below,
            "above": above,
            "fit_s": f"{fit_s:.1f}",
        }
    ]
    # Szabo-Huberman baselines, fitted on the whole training part as the READMEs do.
    g = growth(n_train, f_train)
    beta = float(np.mean(np.log(f_train) - np.log(n_train)))
    ratio = n_train / f_train
    alpha = float(ratio.sum() / (ratio**2).sum())
    lo_g, hi_g = np.quantile(np.log(f_train) - np.log(n_train), [0.1, 0.9])
    for name, pred in (("LN  e^beta", n_test * math.exp(beta)), ("CS  alpha", alpha * n_test)):
        b_lo, b_hi = n_test * math.exp(lo_g), n_test * math.exp(hi_g)
        below, above = outside(f_test, b_lo, b_hi)
        rows.append(
            {
                "model": name,
                "mdape": median_ape(pred, f_test),
                "rho": spearman(pred, f_test),
                "below": below,
                "above": above,
            }
        )
    del g
    if refit_days > 0 and "finished_at" in task.test.columns:
        rows.insert(1, rolling(task, refit_days))
    for row in rows:
        row.update(dataset=task.dataset, age=task.label, n=f"{task.train.height}/{task.test.height}")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    parser.add_argument("--data", type=Path, default=default, help="the shared data folder")
    parser.add_argument("--only", choices=("hn", "uci", "youtube"), help="one dataset")
    parser.add_argument(
        "--dev",
        type=float,
        metavar="SHARE",
        help="tune, never test: score on the training part only, fitting on its first SHARE "
        "(e.g. 0.5) and scoring its rest; the test part is not read",
    )
    parser.add_argument(
        "--refit-days",
        type=float,
        default=0.0,
        help="also score our model refitted every N days on the most recent finished stories, "
        "as the daemon does (Hacker News: the only dataset with finish times); 0: off",
    )
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"error: no data folder at {args.data}", file=sys.stderr)
        return 1
    if args.dev is not None and not 0.1 <= args.dev <= 0.9:
        print(f"error: --dev must be a share between 0.1 and 0.9, not {args.dev}", file=sys.stderr)
        return 1
    sources = {"hn": hn_tasks, "uci": uci_tasks, "youtube": youtube_tasks}
    header = f"{'dataset':<28} {'age':<16} {'n train/test':>12}  {'model':<26} {'MdAPE':>6} {'rho':>6} {'below':>6} {'above':>6} {'fit s':>6}"
    print(header)
    print("-" * len(header))
    for key, source in sources.items():
        if args.only and key != args.only:
            continue
        for task in source(args.data):
            if args.dev is not None:
                task = dev_split(task, args.dev)
            for row in evaluate(task, args.refit_days):
                print(
                    f"{row['dataset']:<28} {row['age']:<16} {row['n']:>12}  {row['model']:<26} "
                    f"{row['mdape']:>6.3f} {row['rho']:>6.3f} {row['below']:>6.1%} {row['above']:>6.1%} {row.get('fit_s', ''):>6}",
                    flush=True,
                )
    print("below/above: share of test items whose actual count fell below / above the 80% interval.")
    print("Baseline intervals: the 10th-90th percentile of training growth, times the early count.")
    print("fit s: seconds to select and fit our model on the training part (every candidate, one thread).")
    if args.refit_days > 0:
        print(
            f"ours, N refits: refitted every {args.refit_days:g} days on the {MAX_TRAINING_ROWS} most recent "
            "stories finished before each block (fit s: all refits)."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
