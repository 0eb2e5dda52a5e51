"""Write throughput: samples per second through the product's bulk path (Polars -> Arrow ->
the idempotent write path, `timeseries.write`) against DuckDB's executemany, on a real DuckDB file; then the columnar
path (`timeseries.write_frames`) in 100 k-row batches beside a raw Arrow insert of the same rows
into a table shaped like `samples` without a key (interleaved batch by batch with ours), and into
one with the (item, metric, ts) primary key `samples` had before; each line prints ours / that
rate, and the last line ours / the raw insert.

    python bench/write_throughput.py [--items 20000] [--rounds 5] [--frame-rows 1000000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

from tracker import timeseries
from tracker.collector import Sample
from tracker.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--executemany-rows", type=int, default=3_000)
    parser.add_argument("--frame-rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.duckdb")
        now = datetime(2026, 11, 20, tzinfo=UTC)
        with store.transaction() as cur:
            cur.execute(
                """insert into items (platform, item_key, tracked_at, next_due_at)
                   select 'x', i::varchar, ?, ? from range(?) t(i)""",
                [now, now, args.items],
            )
        metrics = {"likes": 10, "reposts": 2, "replies": 1, "views": 500}
        total = 0
        started = time.perf_counter()
        for r in range(args.rounds):
            ts = now + timedelta(minutes=r)
            batch = [
                Sample("x", str(i), ts, {k: v + r for k, v in metrics.items()}) for i in range(args.items)
            ]
            total += timeseries.write(store, batch)
        bulk_s = time.perf_counter() - started
        again = time.perf_counter()
        rewritten = timeseries.write(store, batch)
        idempotent_s = time.perf_counter() - again

        cur = store.cursor()
        rows = [
            (i % args.items + 1, "likes", now + timedelta(days=1, seconds=i), i)
            for i in range(args.executemany_rows)
        ]
        started = time.perf_counter()
        # Row by row into the same table (a bare insert: only its speed matters here).
        cur.executemany("insert into samples (item_id, metric, ts, value) values (?, ?, ?, ?)", rows)
        many_s = time.perf_counter() - started
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        bulk_rate = total / bulk_s
        many_rate = args.executemany_rows / many_s
        print(
            f"bulk (Arrow, timeseries.write): {total:,} samples in {bulk_s:.2f} s = {bulk_rate:,.0f} samples/s"
        )
        print(f"same batch again (idempotent):  {rewritten} new rows, {idempotent_s:.2f} s")
        print(
            f"executemany:                    {args.executemany_rows:,} rows in {many_s:.2f} s = "
            f"{many_rate:,.0f} rows/s  ({bulk_rate / many_rate:,.0f}x slower)"
        )
        frame_rates = columnar(store, now, args.items, args.frame_rows, args.batch)
        ours = frame_rates[f"write_frames, {args.batch:,}-row batches"]
        for name, rate in frame_rates.items():
            print(f"{name:<44} {rate:>12,.0f} samples/s  (ours / this: {ours / rate:4.2f})")
        raw = frame_rates["raw Arrow insert, samples' shape, no key"]
        print(f"ours / raw insert (interleaved batch by batch): {ours / raw:.2f}")
        print(f"peak RSS: {rss_mb:,.0f} MB")
        store.close()


def columnar(store: Store, now: datetime, items: int, rows: int, batch: int) -> dict[str, float]:
    """write_frames in `batch`-row frames (then the same frames again) vs raw Arrow inserts.

    Each of our batches is followed by a raw insert of the same rows into a table shaped like
    `samples` (its columns and check, no key; `prev_*` filled as ours are), each in its own
    transaction, so a change in the machine's load falls on both alike."""
    metrics = ["likes", "reposts", "replies", "views"]
    n = rows // len(metrics)
    frame = pl.DataFrame(
        {
            "platform": "x",
            "item_key": (pl.int_range(0, n, eager=True) % items).cast(pl.String),
            "ts": pl.datetime_range(
                now + timedelta(days=2),
                now + timedelta(days=2, microseconds=n - 1),
                "1us",
                eager=True,
                time_zone="UTC",
            ),
        }
    ).join(pl.DataFrame({"name": metrics}), how="cross")
    frame = frame.select(
        "platform", "item_key", "name", "ts", value=pl.int_range(0, frame.height).cast(pl.Int64)
    )
    raw = frame.select(
        item_id=pl.col("item_key").cast(pl.Int64) + 1,
        metric="name",
        ts="ts",
        value="value",
        prev_ts=pl.col("ts") - timedelta(minutes=1),
        prev_value="value",
    )
    cur = store.cursor()
    cur.execute(
        """create table raw_samples (item_id bigint not null, metric varchar not null,
           ts timestamptz not null, value bigint not null check (value >= 0),
           prev_ts timestamptz, prev_value bigint)"""
    )
    ours_s = raw_s = 0.0
    for offset in range(0, frame.height, batch):
        started = time.perf_counter()
        timeseries.write_frames(store, frame.slice(offset, batch))
        ours_s += time.perf_counter() - started
        started = time.perf_counter()
        _raw_insert(cur, "raw_samples", raw.slice(offset, batch))
        raw_s += time.perf_counter() - started
    out = {
        f"write_frames, {batch:,}-row batches": frame.height / ours_s,
        "raw Arrow insert, samples' shape, no key": frame.height / raw_s,
    }
    started = time.perf_counter()
    for offset in range(0, frame.height, batch):
        timeseries.write_frames(store, frame.slice(offset, batch))
    out["write_frames, the same batches again"] = frame.height / (time.perf_counter() - started)
    cur.execute(
        """create table keyed_samples (item_id bigint, metric varchar, ts timestamptz, value bigint,
           prev_ts timestamptz, prev_value bigint, primary key (item_id, metric, ts))"""
    )
    started = time.perf_counter()
    for offset in range(0, frame.height, batch):
        _raw_insert(cur, "keyed_samples", raw.slice(offset, batch))
    out["raw Arrow insert, the pre-0040 primary key"] = frame.height / (time.perf_counter() - started)
    cur.execute("drop table raw_samples")
    cur.execute("drop table keyed_samples")
    return out


def _raw_insert(cur: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> None:
    """The floor: the rows, already in the table's column order, appended in one transaction."""
    cur.execute("begin transaction")
    cur.register("_raw", rows.to_arrow(compat_level=pl.CompatLevel.newest()))
    cur.execute(f"insert into {table} select * from _raw")
    cur.unregister("_raw")
    cur.execute("commit")


if __name__ == "__main__":
    main()
