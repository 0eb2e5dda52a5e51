"""Parquet snapshots of the store for outside tools (the duckdb CLI, notebooks), which cannot
open the DuckDB file while `tracker run` owns it. Each file is written beside its final name
and renamed into place, so a reader never sees half a file. The export reads on a cursor of
its own: the daemon's worker threads share their thread's cursor between jobs, and a result
another job left unread on it would fail the export."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq

from tracker.store import Store

EXPORTED = ("articles", "items", "samples", "gauges", "runs", "latest_engagement")


def to_parquet(store: Store, folder: Path, names: tuple[str, ...] = EXPORTED) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    cursor = store.new_cursor()
    try:
        for name in names:
            table = cursor.sql(f"select * from {name}").to_arrow_table()  # names are ours, not input
            final = folder / f"{name}.parquet"
            tmp = folder / f".{name}.parquet.tmp"
            pq.write_table(table, tmp, compression="zstd")
            os.replace(tmp, final)
            written.append(final)
    finally:
        cursor.close()
    return written
