"""The runner's store work per 1,000 samples: storing after every request (as the runner did
before it buffered) against once per page of due items (as it does now), with the product's own
`SampleBuffer` on a real DuckDB file of N tracked items, one thread, both ways in one run and
interleaved, so the ratio holds whatever else the machine is doing. CPU seconds are this
process's (`time.process_time`), wall seconds include waiting for the CPU.

    python bench/flush.py [--items 100000] [--pages 10] [--platform x]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

from tracker import catalog, runner
from tracker.collector import Sample, Target
from tracker.config import Config, PlatformConfig, StorageConfig
from tracker.registry import load as load_registry
from tracker.service import Opened, open_collection

METRICS = {"x": ("likes", "reposts", "replies", "quotes"), "hackernews": ("score", "comments")}


def open_store(path: Path, platform: str) -> Opened:
    """The platform enabled (its collector is never asked: answers are made here)."""
    config = Config(
        storage=StorageConfig(path=str(path), export_every_s=0),
        platforms={
            name: PlatformConfig(name, name == platform, {}) for name in load_registry(entry_point_group=None)
        },
    )
    return open_collection(config, environ={"X_BEARER_TOKEN": "bench|token-0123456789"})


def seed(opened: Opened, platform: str, n: int) -> list[catalog.DueItem]:
    store, now = opened.collection.store, datetime.now(UTC)
    keys = [str(1_970_000_000_000_000_000 + i) for i in range(n)]
    with store.transaction() as cur:
        cur.execute(
            "insert into items (platform, item_key, tracked_at, next_due_at) select ?, unnest(?::varchar[]), ?, ?",
            [platform, keys, now, now],
        )
    rows = store.df(
        "select item_id, item_key from items where platform = $p order by item_id", {"p": platform}
    )
    return [catalog.DueItem(i, Target(platform, k), None) for i, k in rows.rows()]


def answers(batch: list[catalog.DueItem], at: datetime, seq: int) -> list[Sample]:
    names = METRICS[batch[0].target.platform]
    return [
        Sample(d.target.platform, d.target.item_key, at, {m: seq * 10 + j for j, m in enumerate(names)})
        for d in batch
    ]


def run_pages(
    opened: Opened, items: list[catalog.DueItem], batch: int, per_page: int, every_request: bool, seq: int
) -> tuple[float, float, int]:
    """Store `per_page` batches of answers one page at a time; (CPU s, wall s, samples)."""
    ctx = opened.collection
    active = ctx.active[items[0].target.platform]
    run = runner._Round(ctx, active, "sample")
    buffer = runner.SampleBuffer(ctx, active, run, every_s=1e9)  # only the flushes asked for here
    at = datetime.now(UTC) + timedelta(seconds=seq)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    stored = 0
    for start in range(0, per_page * batch, batch):
        buffer.add(items[start : start + batch], answers(items[start : start + batch], at, seq))
        if every_request:
            stored += buffer.flush()
    stored += buffer.flush()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    run.finish()
    return cpu, wall, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="tracked items in the store")
    parser.add_argument("--pages", type=int, default=10, help="pages stored each way")
    parser.add_argument("--platform", default="x", choices=sorted(METRICS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        opened = open_store(Path(tmp) / "flush.duckdb", args.platform)
        try:
            items = seed(opened, args.platform, args.items)
            batch = opened.collection.active[args.platform].limits.max_batch
            per_page = max(1, 500 // batch)  # a page of round_max_items (500)
            totals: dict[bool, list[float]] = {True: [0.0, 0.0, 0.0], False: [0.0, 0.0, 0.0]}
            offset = 0
            for page in range(args.pages):
                for every_request in (True, False):  # interleaved: both see the same machine
                    chunk = items[offset : offset + per_page * batch]
                    offset += per_page * batch
                    cpu, wall, stored = run_pages(opened, chunk, batch, per_page, every_request, page + 1)
                    totals[every_request][0] += cpu
                    totals[every_request][1] += wall
                    totals[every_request][2] += stored
        finally:
            opened.close()
    print(
        f"{args.platform}: {args.items:,} tracked items, batch {batch}, pages of {per_page * batch} samples, "
        f"{args.pages} pages each way"
    )
    for every_request, label in ((True, "store after every request"), (False, "store once per page")):
        cpu_s, wall_s, count = totals[every_request]
        print(
            f"{label:<26} {cpu_s / count * 1000:6.2f} CPU s, {wall_s / count * 1000:6.2f} wall s per 1,000 samples"
        )
    before, after = totals[True], totals[False]
    print(
        f"storing per request costs {before[0] / before[2] / (after[0] / after[2]):.1f}x the CPU "
        f"and {before[1] / before[2] / (after[1] / after[2]):.1f}x the wall time of storing once per page"
    )


if __name__ == "__main__":
    main()
