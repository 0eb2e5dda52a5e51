"""Parquet snapshots of the store for outside tools (the duckdb CLI, notebooks), which cannot
open the DuckDB file while `tracker run` owns it, and a window's time series as CSV or
Parquet for analysts. Each file is written beside its final name and renamed into place, so a
reader never sees half a file; long exports stream in record batches and report progress.
Exports read on a cursor of their own: the daemon's worker threads share their thread's
cursor between jobs, and a result another job left unread on it would fail the export."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tracker import sqlfiles
from tracker.errors import TrackerError
from tracker.store import Store

SERIES_FORMATS = ("csv", "parquet")
BATCH_ROWS = 100_000

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


def series(
    store: Store,
    since: datetime,
    until: datetime,
    out: Path,
    fmt: str = "csv",
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write every sample in (since, until] to `out` as CSV or Parquet; returns the row count.

    Streams in batches of BATCH_ROWS, calling `progress(done, total)` after each, so a
    month of a large store neither fills memory nor leaves the user staring at nothing.
    """
    if fmt not in SERIES_FORMATS:
        raise TrackerError(f"unknown export format {fmt!r}; choose from {', '.join(SERIES_FORMATS)}")
    total = int(store.scalar("select count(*) from samples where ts > ? and ts <= ?", [since, until]) or 0)
    query = sqlfiles.load("queries/export_series").text
    reader = (
        store.new_cursor().sql(query, params={"since": since, "until": until}).to_arrow_reader(BATCH_ROWS)
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    done = 0
    writer: pq.ParquetWriter | pacsv.CSVWriter | None = None
    try:
        for batch in reader:
            if writer is None:
                writer = _writer(tmp, batch.schema, fmt)
            writer.write_batch(batch)
            done += batch.num_rows
            if progress is not None:
                progress(done, total)
        if writer is None:  # an empty window still gets a file with the header
            writer = _writer(tmp, reader.schema, fmt)
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, out)
    return done


def _writer(path: Path, schema: pa.Schema, fmt: str) -> pq.ParquetWriter | pacsv.CSVWriter:
    if fmt == "parquet":
        return pq.ParquetWriter(path, schema, compression="zstd")
    return pacsv.CSVWriter(path, schema)
