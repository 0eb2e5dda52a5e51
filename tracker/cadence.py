"""Adaptive sampling cadence: sample fast-growing items often and quiet ones rarely.

After each sample the next interval aims to see about `target_growth` relative growth in the
item's interactions (or views, for items that only have views): interval = target_growth *
max(total, FLOOR) / observed rate. An item that did not grow backs off by doubling. The
interval is clamped between the platform's floor (`Limits.min_resample_s`, never below the
configured minimum) and the configured maximum. Computed on a whole batch at once in Polars.
"""

from __future__ import annotations

import polars as pl

from tracker.config import CadenceConfig

FLOOR = 20.0  # treat small totals as this size, so 1 -> 2 likes is not "100 % growth, sample now"


def next_intervals(batch: pl.DataFrame, cadence: CadenceConfig, platform_floor_s: float) -> pl.DataFrame:
    """`batch` has item_id, prev_total, new_total, elapsed_s, prev_interval_s (nulls for a first sample).

    Returns item_id and interval_s.
    """
    low = max(cadence.min_interval_s, platform_floor_s)
    high = max(low, cadence.max_interval_s)
    growth = (pl.col("new_total") - pl.col("prev_total")).clip(lower_bound=0)
    rate = growth / pl.col("elapsed_s").clip(lower_bound=1.0)
    aimed = cadence.target_growth * pl.max_horizontal(pl.col("new_total"), pl.lit(FLOOR)) / rate
    backoff = pl.col("prev_interval_s").fill_null(low) * 2
    interval = (
        pl.when(pl.col("prev_total").is_null())
        .then(pl.lit(low))  # first sample: look again soon
        .when(growth > 0)
        .then(aimed)
        .otherwise(backoff)
    )
    return batch.select("item_id", interval.clip(low, high).cast(pl.Float64).alias("interval_s"))
