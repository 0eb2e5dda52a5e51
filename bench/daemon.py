"""The collection daemon under a backlog: N tracked items spread over the simulated platforms,
every one due, 50 ms of latency on every answer and each platform's real limits. The real
daemon (APScheduler, one tick per platform) runs for a fixed wall-clock window; the
simulator runs in its own process so its CPU and memory are not counted.

Prints per platform: requests made against the rate the limits allow over the window (the
bucket starts full, so the allowance is its capacity plus the refill), items per request
against the batch maximum, samples stored; then CPU seconds per 1,000 samples and peak RSS.

    python bench/daemon.py [--items 100000] [--seconds 60] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tracker.config import Config, DaemonConfig, PlatformConfig, StorageConfig
from tracker.owner.daemon import Daemon
from tracker.registry import load as load_registry
from tracker.runner import RoundResult
from tracker.service import Opened, open_collection
from tracker.simweb.world import base36

TRACKER = (sys.executable, "-m", "tracker")
PLATFORMS = ("hackernews", "x", "reddit", "facebook")


def item_key(platform: str, i: int) -> str:
    """A key in the platform's own shape (the simulator answers for it once it is added)."""
    return {
        "hackernews": lambda: str(60_000_000 + i),
        "x": lambda: str(1_950_000_000_000_000_000 + i),
        "reddit": lambda: base36(2_000_000_000 + i),
        "facebook": lambda: f"https://news.example.com/bench/{i}",
    }[platform]()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_simulator(latency_s: float) -> tuple[subprocess.Popen[bytes], str, dict[str, dict[str, str]]]:
    """`tracker simulate` in a subprocess; (process, base URL, per platform its base-URL settings)."""
    port = free_port()
    process = subprocess.Popen(
        [
            *TRACKER,
            "simulate",
            "--port",
            str(port),
            "--articles",
            "40",
            "--speed",
            "60",
            "--faults",
            f"latency={latency_s}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            state = httpx.get(f"{url}/_sim/state", timeout=1).raise_for_status().json()
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        process.kill()
        raise SystemExit("the simulator did not start")
    mounts = {
        platform: {setting: url + prefix for setting, prefix in settings.items() if isinstance(prefix, str)}
        for platform, settings in state["mounts"].items()
    }
    return process, url, mounts


def credentials() -> dict[str, str]:
    return {
        c.env: f"sim-{c.name}|sim-secret-0123456789"
        for p in load_registry(entry_point_group=None).values()
        for c in p.credentials
    }


def seed(url: str, per_platform: int) -> None:
    """Every item's key as a post in the simulator."""
    for platform in PLATFORMS:
        keys = [item_key(platform, i) for i in range(per_platform)]
        for start in range(0, len(keys), 5000):
            httpx.post(
                f"{url}/_sim/posts",
                json={"platform": platform, "keys": keys[start : start + 5000]},
                timeout=120,
            ).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="tracked items over all platforms")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the daemon runs")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every answer")
    args = parser.parse_args()
    per_platform = args.items // len(PLATFORMS)
    process, url, mounts = start_simulator(args.latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = Config(
                storage=StorageConfig(path=str(Path(tmp) / "bench.duckdb"), export_every_s=0),
                daemon=DaemonConfig(
                    tick_s=1, discover_every_s=3600, share_search_every_s=86400, workers=len(PLATFORMS) + 2
                ),
                platforms={  # only these; every other registered platform is off
                    name: PlatformConfig(
                        name, name in PLATFORMS, mounts.get(name, {}) if name in PLATFORMS else {}
                    )
                    for name in load_registry(entry_point_group=None)
                },
            )
            t0 = time.perf_counter()
            seed(url, per_platform)
            opened = open_collection(config, environ=credentials())
            now = datetime.now(UTC)
            store = opened.collection.store
            with store.transaction() as cur:
                for platform in PLATFORMS:
                    cur.execute(
                        "insert into items (platform, item_key, tracked_at, next_due_at) "
                        "select ?, unnest(?::varchar[]), ?, ?",
                        [platform, [item_key(platform, i) for i in range(per_platform)], now, now],
                    )
            print(f"seeded {per_platform * len(PLATFORMS):,} items in {time.perf_counter() - t0:.1f} s")
            rounds: dict[str, list[RoundResult]] = defaultdict(list)
            lock = threading.Lock()

            def note(result: RoundResult) -> None:
                with lock:
                    rounds[result.platform].append(result)

            daemon = Daemon(opened, on_round=note)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            daemon.start()
            time.sleep(args.seconds)
            daemon.shutdown(drain_s=10)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            stored = dict(
                store.df(
                    "select i.platform, count(distinct (s.item_id, s.ts)) from samples s "
                    "join items i using (item_id) group by all"
                ).rows()
            )
            throttled = dict(
                store.df(
                    "select platform, count(*) from runs where status = 'rate_limited' group by all"
                ).rows()
            )
            report(opened, rounds, stored, throttled, wall, cpu, args)
            opened.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def report(
    opened: Opened,
    rounds: dict[str, list[RoundResult]],
    stored: dict[str, int],
    throttled: dict[str, int],
    wall: float,
    cpu: float,
    args: argparse.Namespace,
) -> None:
    active = opened.collection.active
    print(
        f"{args.items:,} items, {args.latency * 1000:.0f} ms latency, daemon ran {wall:.1f} s wall, {cpu:.1f} s CPU"
    )
    print(
        f"{'platform':<11} {'requests':>8} {'req/s':>7} {'allowed/s':>9} {'allowance':>9} {'used':>6} "
        f"{'items/req':>9} {'batch max':>9} {'samples':>8} {'429s':>5}"
    )
    total = 0
    for name in PLATFORMS:
        limits = active[name].limits
        sample_rounds = [r for r in rounds[name] if r.kind == "sample"]
        requests = sum(r.requests for r in sample_rounds)
        items = sum(r.items for r in sample_rounds)
        rate = limits.requests / limits.per_seconds
        allowance = limits.requests + rate * wall  # a full bucket, then its refill
        samples = stored.get(name, 0)
        total += samples
        per_request = items / requests if requests else 0.0
        print(
            f"{name:<11} {requests:>8} {requests / wall:>7.2f} {rate:>9.2f} {allowance:>9.0f} "
            f"{requests / allowance:>6.1%} {per_request:>9.1f} {limits.max_batch:>9} {samples:>8} "
            f"{throttled.get(name, 0):>5}"
        )
    per_thousand = cpu / total * 1000 if total else float("nan")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"samples stored {total:,}; CPU {per_thousand:.2f} s per 1,000 samples; peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
