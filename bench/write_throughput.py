"""Write throughput: samples per second through the product's bulk path (Polars -> Arrow ->
one INSERT OR IGNORE) against DuckDB's executemany, on a real DuckDB file.

    python bench/write_throughput.py [--items 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracker import timeseries
from tracker.collector import Sample
from tracker.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--executemany-rows", type=int, default=3_000)
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
        cur.executemany("insert or ignore into samples values (?, ?, ?, ?)", rows)
        many_s = time.perf_counter() - started
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        bulk_rate = total / bulk_s
        many_rate = args.executemany_rows / many_s
        print(
            f"bulk (Arrow, insert or ignore): {total:,} samples in {bulk_s:.2f} s = {bulk_rate:,.0f} samples/s"
        )
        print(f"same batch again (idempotent):  {rewritten} new rows, {idempotent_s:.2f} s")
        print(
            f"executemany:                    {args.executemany_rows:,} rows in {many_s:.2f} s = "
            f"{many_rate:,.0f} rows/s  ({bulk_rate / many_rate:,.0f}x slower)"
        )
        print(f"peak RSS: {rss_mb:,.0f} MB")
        store.close()


if __name__ == "__main__":
    main()
