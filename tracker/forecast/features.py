"""Early-curve features, in Polars, shared by the product and `bench/accuracy.py`.

A curve is a long frame `(key, age_h, value)`: the cumulative count of one item or article at
each sample, `age_h` hours after its start. At an observation age `t` we keep what an editor
could have seen then: the count at the last sample at or before t/4, t/2, 3t/4 and t (the shape
of the early curve), how stale the last sample is, optional side counts (comments beside points,
likes beside views) and, where a platform keeps one, its front-page rank (a page position, where
"off the page" says more than any count).
"""

from __future__ import annotations

import polars as pl

QUARTERS = (0.25, 0.5, 0.75)
OFF_PAGE_RANK = 60.0  # the rank given to an item not seen on the page (twice HN's 30 slots)
RANK_FRESH_H = 0.75  # a rank older than this, relative to t, means the item has left the page


def counts_at(curves: pl.DataFrame, age_h: pl.Expr | float, prefix: str) -> pl.DataFrame:
    """Per key: the value and the age of the last sample at or before `age_h` (a column or a number)."""
    limit = age_h if isinstance(age_h, pl.Expr) else pl.lit(age_h)
    return (
        curves.filter(pl.col("age_h") <= limit + 1e-9)
        .sort("key", "age_h")
        .group_by("key")
        .agg(pl.col("value").last().alias(prefix), pl.col("age_h").last().alias(f"{prefix}_age"))
    )


def curve_features(
    curves: pl.DataFrame,
    age_h: float,
    ranks: pl.DataFrame | None = None,
    sides: dict[str, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """One row per key with a sample at or before `age_h`: n_t, n_q25/n_q50/n_q75, staleness,
    side counts and rank features. Keys whose curve starts after `age_h` are absent."""
    out = counts_at(curves, age_h, "n_t").rename({"n_t_age": "last_age_h"})
    for frac in QUARTERS:
        part = counts_at(curves, age_h * frac, f"n_q{int(frac * 100)}").drop(f"n_q{int(frac * 100)}_age")
        out = out.join(part, on="key", how="left")
    out = out.with_columns(
        [pl.col(f"n_q{int(f * 100)}").fill_null(0) for f in QUARTERS]
        + [pl.lit(age_h).alias("age_h"), ((age_h - pl.col("last_age_h")) / max(age_h, 1e-9)).alias("stale")]
    )
    for name, side in (sides or {}).items():
        part = counts_at(side, age_h, name).drop(f"{name}_age")
        out = out.join(part, on="key", how="left").with_columns(pl.col(name).fill_null(0))
    if ranks is not None:
        seen = ranks.filter(pl.col("age_h") <= age_h + 1e-9)
        last = (
            seen.sort("key", "age_h")
            .group_by("key")
            .agg(
                pl.col("value").last().alias("rank_t"),
                pl.col("age_h").last().alias("rank_age"),
                pl.col("value").min().alias("rank_best"),
                pl.col("value").mean().alias("rank_mean"),
            )
        )
        out = out.join(last, on="key", how="left").with_columns(
            off_page=(pl.col("rank_age").is_null() | ((age_h - pl.col("rank_age")) > RANK_FRESH_H)).cast(
                pl.Float64
            )
        )
        out = out.with_columns(
            rank_t=pl.when(pl.col("off_page") > 0).then(OFF_PAGE_RANK).otherwise(pl.col("rank_t")),
            rank_best=pl.col("rank_best").fill_null(OFF_PAGE_RANK),
            rank_mean=pl.col("rank_mean").fill_null(OFF_PAGE_RANK),
        ).drop("rank_age")
    return out.sort("key")


def value_at(curves: pl.DataFrame, age_h: float) -> pl.DataFrame:
    """Per key, the count at the last sample at or before `age_h` (the target when training)."""
    return counts_at(curves, age_h, "target").drop("target_age")
