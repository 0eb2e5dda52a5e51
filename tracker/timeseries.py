"""Bulk, idempotent writes of samples (counts) and gauges.

Records become one long Polars frame, handed to DuckDB as Arrow and inserted with
`insert or ignore` against the (item, metric, ts) key: writing the same batch twice stores it
once, and a batch is one statement, not one per row (executemany is ~1000x slower).
Samples of items we do not track are dropped (e.g. front-page ranks of stories nobody tracks).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from tracker.collector import Sample, check_metrics
from tracker.store import Store

_SCHEMA = pl.Schema(
    {
        "platform": pl.String(),
        "item_key": pl.String(),
        "name": pl.String(),
        "ts": pl.Datetime("us", "UTC"),
        "value": pl.Float64(),
    }
)


def to_frame(samples: Sequence[Sample], gauges: bool = False) -> pl.DataFrame:
    """Long format: one row per (platform, item_key, metric or gauge, ts, value)."""
    rows: dict[str, list[object]] = {k: [] for k in _SCHEMA}
    for sample in samples:
        check_metrics(sample.platform, sample.metrics, sample.gauges)
        values = sample.gauges if gauges else sample.metrics
        for name, value in values.items():
            rows["platform"].append(sample.platform)
            rows["item_key"].append(sample.item_key)
            rows["name"].append(name)
            rows["ts"].append(sample.observed_at)
            rows["value"].append(float(value))
    return pl.DataFrame(rows, schema=_SCHEMA)


def write(store: Store, samples: Sequence[Sample]) -> int:
    """Store counts and gauges of tracked items in one transaction; returns count rows written."""
    counts = to_frame(samples).with_columns(pl.col("value").cast(pl.Int64))
    gauges = to_frame(samples, gauges=True)
    return write_frames(store, counts, gauges)


def write_frames(store: Store, counts: pl.DataFrame, gauges: pl.DataFrame | None = None) -> int:
    """The columnar write path: long frames (platform, item_key, name, ts, value), as `to_frame`
    builds them, inserted in one transaction. Bulk loaders (bench, imports) call it directly so
    no Python object per sample is built; `write` calls it after checking the metric names."""
    gauges = gauges if gauges is not None else to_frame([], gauges=True)
    if counts.is_empty() and gauges.is_empty():
        return 0
    with store.transaction() as cur:
        written = 0
        if not counts.is_empty():
            cur.register("_counts_batch", counts.to_arrow())
            row = cur.execute(
                """insert or ignore into samples (item_id, metric, ts, value)
                   select i.item_id, b.name, b.ts, b.value from _counts_batch b
                   join items i on i.platform = b.platform and i.item_key = b.item_key"""
            ).fetchone()
            written = int(row[0]) if row else 0
            cur.unregister("_counts_batch")
        if not gauges.is_empty():
            cur.register("_gauges_batch", gauges.to_arrow())
            cur.execute(
                """insert or ignore into gauges (item_id, gauge, ts, value)
                   select i.item_id, b.name, b.ts, b.value from _gauges_batch b
                   join items i on i.platform = b.platform and i.item_key = b.item_key"""
            )
            cur.unregister("_gauges_batch")
    return written
