"""Early-curve features, in Polars, shared by the product and `bench/accuracy.py`.

A curve is a long frame `(key, age_h, value)`: the cumulative count of one item or article at
each sample, `age_h` hours after its start. At an observation age `t` we keep what an editor
could have seen then: the count at the last sample at or before t/4, t/2, 3t/4 and t (the shape
of the early curve), how stale the last sample is, optional side counts (comments beside points,
likes beside views) and, where a platform keeps one, its front-page rank (a page position, where
"off the page" says more than any count) and its trajectory (first, best, mean, at half the age,
how long since it was last on the page).
"""

from __future__ import annotations

import polars as pl

QUARTERS = (0.25, 0.5, 0.75)
OFF_PAGE_RANK = 60.0  # the rank given to an item not seen on the page (twice HN's 30 slots)
RANK_FRESH_H = 0.75  # a rank older than this, relative to t, means the item has left the page


def _ages(curves: pl.DataFrame, age_h: float | pl.DataFrame) -> pl.DataFrame:
    """`(key, obs_h)`: one observation age for every key, or each key's own."""
    if isinstance(age_h, pl.DataFrame):
        return age_h.select("key", obs_h=pl.col("age_h").cast(pl.Float64))
    return curves.select("key").unique().with_columns(obs_h=pl.lit(float(age_h)))


def counts_at(curves: pl.DataFrame, ages: pl.DataFrame, frac: float, prefix: str) -> pl.DataFrame:
    """Per key: the value and age of the last sample at or before `frac` of its observation age."""
    return (
        curves.join(ages, on="key")
        .filter(pl.col("age_h") <= pl.col("obs_h") * frac + 1e-9)
        .sort("key", "age_h")
        .group_by("key")
        .agg(pl.col("value").last().alias(prefix), pl.col("age_h").last().alias(f"{prefix}_age"))
    )


def curve_features(
    curves: pl.DataFrame,
    age_h: float | pl.DataFrame,
    ranks: pl.DataFrame | None = None,
    sides: dict[str, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """One row per key with a sample at or before its observation age (`age_h`: one number for
    all keys, or a `(key, age_h)` frame): n_t, n_q25/n_q50/n_q75, staleness, side counts and
    rank features (now, best, mean, first, at half the age, samples on the page, time
    since on the page). Keys whose curve starts after the observation age are absent."""
    ages = _ages(curves, age_h)
    out = counts_at(curves, ages, 1.0, "n_t").rename({"n_t_age": "last_age_h"}).join(ages, on="key")
    for frac in QUARTERS:
        name = f"n_q{int(frac * 100)}"
        out = out.join(counts_at(curves, ages, frac, name).drop(f"{name}_age"), on="key", how="left")
    out = out.with_columns(
        [pl.col(f"n_q{int(f * 100)}").fill_null(0) for f in QUARTERS]
        + [
            pl.col("obs_h").alias("age_h"),
            ((pl.col("obs_h") - pl.col("last_age_h")) / pl.max_horizontal(pl.col("obs_h"), 1e-9)).alias(
                "stale"
            ),
        ]
    )
    out = out.join(_pace(curves, ages), on="key", how="left")
    for name, side in (sides or {}).items():
        part = counts_at(side, ages, 1.0, name).drop(f"{name}_age")
        out = out.join(part, on="key", how="left").with_columns(pl.col(name).fill_null(0))
    if ranks is not None:
        seen = ranks.join(ages, on="key").filter(pl.col("age_h") <= pl.col("obs_h") + 1e-9)
        last = (
            seen.sort("key", "age_h")
            .group_by("key")
            .agg(
                pl.col("value").last().alias("rank_t"),
                pl.col("age_h").last().alias("rank_age"),
                pl.col("value").min().alias("rank_best"),
                pl.col("value").mean().alias("rank_mean"),
                pl.col("value").first().alias("rank_first"),
                pl.col("age_h").first().alias("rank_first_age"),
                pl.col("value").tail(2).first().alias("rank_prev"),
                pl.len().cast(pl.Float64).alias("page_samples"),
            )
        )
        # the rank trajectory: where it stood at half the age (climbing or sinking)
        half = (
            seen.filter(pl.col("age_h") <= pl.col("obs_h") * 0.5 + 1e-9)
            .sort("key", "age_h")
            .group_by("key")
            .agg(pl.col("value").last().alias("rank_q50"))
        )
        last = last.join(half, on="key", how="left")
        out = out.join(last, on="key", how="left").with_columns(
            off_page=(
                pl.col("rank_age").is_null() | ((pl.col("obs_h") - pl.col("rank_age")) > RANK_FRESH_H)
            ).cast(pl.Float64),
            # hours since it was last seen on the page, as a share of the age (0: on it now)
            since_page=((pl.col("obs_h") - pl.col("rank_age")) / pl.max_horizontal(pl.col("obs_h"), 1e-9))
            .fill_null(1.0)
            .clip(0.0, 1.0),
            # when it reached the page, as a share of the age (1: never seen on it)
            page_entered=(pl.col("rank_first_age") / pl.max_horizontal(pl.col("obs_h"), 1e-9))
            .fill_null(1.0)
            .clip(0.0, 1.0),
        )
        out = out.with_columns(
            rank_t=pl.when(pl.col("off_page") > 0).then(OFF_PAGE_RANK).otherwise(pl.col("rank_t")),
            rank_best=pl.col("rank_best").fill_null(OFF_PAGE_RANK),
            rank_mean=pl.col("rank_mean").fill_null(OFF_PAGE_RANK),
            rank_first=pl.col("rank_first").fill_null(OFF_PAGE_RANK),
            rank_q50=pl.col("rank_q50").fill_null(OFF_PAGE_RANK),
            rank_prev=pl.col("rank_prev").fill_null(OFF_PAGE_RANK),
            page_samples=pl.col("page_samples").fill_null(0.0),
        ).drop("rank_age", "rank_first_age")
    return out.drop("obs_h").sort("key")


def _pace(curves: pl.DataFrame, ages: pl.DataFrame) -> pl.DataFrame:
    """Per key: the sample before the last one at or before the observation age (`n_prev`,
    `prev_age_h`: the latest velocity, over the real gap between samples rather than a fixed
    share of the age) and the first sample (`n_first`, `first_age_h`)."""
    seen = (
        curves.join(ages, on="key")
        .filter(pl.col("age_h") <= pl.col("obs_h") + 1e-9)
        .sort("key", "age_h")
        .group_by("key")
        .agg(
            n_prev=pl.col("value").tail(2).first(),
            prev_age_h=pl.col("age_h").tail(2).first(),
            n_first=pl.col("value").first(),
            first_age_h=pl.col("age_h").first(),
        )
    )
    return seen


def value_at(curves: pl.DataFrame, age_h: float | pl.DataFrame) -> pl.DataFrame:
    """Per key, the count at the last sample at or before `age_h` (the target when training)."""
    return counts_at(curves, _ages(curves, age_h), 1.0, "target").drop("target_age")
