"""Parquet snapshots of the store for outside tools (the duckdb CLI, notebooks), which cannot
open the DuckDB file while `tracker run` owns it. Each file is written beside its final name
and renamed into place, so a reader never sees half a file."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq

from tracker.store import Store

EXPORTED = ("articles", "items", "samples", "gauges", "runs", "latest_engagement")


def to_parquet(store: Store, folder: Path, names: tuple[str, ...] = EXPORTED) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        table = store.cursor().sql(f"select * from {name}").to_arrow_table()  # names are ours, not input
        final = folder / f"{name}.parquet"
        tmp = folder / f".{name}.parquet.tmp"
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, final)
        written.append(final)
    return written
