"""The collection daemon under a backlog: N tracked items spread over the simulated platforms
(Hacker News, X, Reddit, Facebook, Bluesky and Mastodon) in proportion to what each one's
limits let it sample (rate times batch maximum: the same backlog everywhere, about twice what
60 s can sample at 100,000 items), every one due, 50 ms of latency on
every answer and each platform's real limits. The real daemon (APScheduler, one tick per
platform) runs for a fixed wall-clock window; the simulator runs in its own process so its CPU
and memory are not counted.

Prints per platform: requests started in the window against the steady rate its limits allow
(`of allowed`), items per request against the batch maximum, samples stored, `429s` (requests
the simulator refused for going over its limits: none is the target) and `waits` (rounds that
stopped on the daemon's own request budget before asking: not a refusal); then how
the sampling threads spent their time: waiting for answers (`answer ms`, the median time of one
request as the collector saw it, simulator and network included, and the sequential ceiling
1000 / answer ms in requests/s) and in the store (`store s`, the round's buffered write, total
and reschedule); then CPU seconds per 1,000 samples, peak RSS and the machine's load average.
Requests and answer times are counted by wrapping each collector's `sample` (one call is one
request at these batch sizes) and the store time by wrapping `SampleBuffer.flush`: bench-side
instruments, the product code is unchanged. The window starts with the daemon, whose first
round comes a tick later: 60 s hold 59 rounds' worth, so 98% is full rate.

`allowed` is the rate times the window: a platform allowed fewer than 20 requests in it
(Facebook's 200 an hour allow 3.3 in 60 s) is measured in steps of 5% or more (3 of 3.3 reads as
90%), and the bench says so; `--seconds 400` gives every platform at least 20. Items per
platform are split by capacity, but a platform whose resample floor outlasts its share
(Facebook: 6 minutes) gets enough items not to run dry in the window (`shares`).

    python bench/daemon.py [--items 100000] [--seconds 60] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

from tracker import runner
from tracker.config import Config, DaemonConfig, PlatformConfig, StorageConfig
from tracker.owner.daemon import Daemon
from tracker.registry import load as load_registry
from tracker.service import Opened, open_collection
from tracker.simweb.world import base36

TRACKER = (sys.executable, "-m", "tracker")
PLATFORMS = ("hackernews", "x", "reddit", "facebook", "bluesky", "mastodon")
BLUESKY_DID = "did:plc:benchauthor"


def sim_key(platform: str, i: int) -> str:
    """A post's key in the simulator's world."""
    return {
        "hackernews": lambda: str(60_000_000 + i),
        "x": lambda: str(1_950_000_000_000_000_000 + i),
        "reddit": lambda: base36(2_000_000_000 + i),
        "facebook": lambda: f"https://news.example.com/bench/{i}",
        "bluesky": lambda: f"{BLUESKY_DID}/3lbench{i:08d}",
        "mastodon": lambda: str(113_000_000_000_000_000 + i),
    }[platform]()


def item_key(platform: str, i: int, mastodon_host: str) -> str:
    """The tracker's key for that post: an AT-URI on Bluesky, host/id on Mastodon."""
    key = sim_key(platform, i)
    if platform == "bluesky":
        did, _, rkey = key.partition("/")
        return f"at://{did}/app.bsky.feed.post/{rkey}"
    if platform == "mastodon":
        return f"{mastodon_host}/{key}"
    return key


@dataclass
class Instruments:
    """What the sampling threads did, per platform: (start, seconds, items) of every request,
    and seconds spent storing buffered answers."""

    calls: dict[str, list[tuple[float, float, int]]] = field(default_factory=lambda: defaultdict(list))
    store_s: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wrap_collectors(self, opened: Opened) -> None:
        for name in PLATFORMS:
            collector = opened.collection.active[name].collector
            collector.sample = self._timed(name, collector.sample)  # type: ignore[method-assign,assignment]

    def _timed(
        self, name: str, sample: Callable[[Sequence[Any]], Any]
    ) -> Callable[[Sequence[Any]], Iterator[Any]]:
        def timed(targets: Sequence[Any]) -> Iterator[Any]:
            start = time.perf_counter()
            records = list(sample(targets))
            with self.lock:
                self.calls[name].append((start, time.perf_counter() - start, len(targets)))
            return iter(records)

        return timed

    def wrap_flush(self) -> Callable[[], None]:
        """Time every flush; returns the function that puts the original back."""
        original = runner.SampleBuffer.flush
        instruments = self

        def flush(buffer: runner.SampleBuffer) -> int:
            start = time.perf_counter()
            try:
                return original(buffer)
            finally:
                with instruments.lock:
                    instruments.store_s[buffer.active.name] += time.perf_counter() - start

        setattr(runner.SampleBuffer, "flush", flush)  # noqa: B010  (an instrument, put back by the caller)
        return lambda: setattr(runner.SampleBuffer, "flush", original)


@dataclass
class Throttling:
    """Per platform: requests the simulator refused for going over its limits (a 429, or
    Facebook's throttling answer, that the daemon caused) and rounds that stopped on the
    daemon's own budget (`runs` rows `rate_limited`: a wait, not a refusal)."""

    refused: dict[str, int]
    waits: dict[str, int]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_simulator(latency_s: float) -> tuple[subprocess.Popen[bytes], str, dict[str, dict[str, object]]]:
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
    mounts: dict[str, dict[str, object]] = {
        platform: {
            setting: url + prefix if isinstance(prefix, str) else tuple(url + p for p in prefix)
            for setting, prefix in settings.items()
        }
        for platform, settings in state["mounts"].items()
    }
    mounts["mastodon"]["allow_private"] = True  # its instance is on 127.0.0.1
    return process, url, mounts


def credentials() -> dict[str, str]:
    return {
        c.env: f"sim-{c.name}|sim-secret-0123456789"
        for p in load_registry(entry_point_group=None).values()
        for c in p.credentials
    }


def shares(total: int, opened: Opened, seconds: float) -> dict[str, int]:
    """Items per platform in proportion to what its limits let it sample in a given time (its
    request rate times its batch maximum), so every platform has the same backlog: split
    evenly, X (389 items a second) would run out of items in 43 s of a 60-s window while
    Hacker News (2.8 a second) had a month's worth. A platform whose resample floor is longer
    than that share lasts (Facebook: 6 minutes, 2.8 items a second) gets at least twice what it
    can sample in the window or in one floor, whichever is shorter, taken from the others: in a
    window longer than its floor its items come back as spare requests; with fewer, it would
    run dry and measure the backlog, not the rate."""
    limits = {name: opened.collection.active[name].limits for name in PLATFORMS}
    capacity = {name: lim.requests / lim.per_seconds * lim.max_batch for name, lim in limits.items()}
    floor_s = {
        name: max(lim.min_resample_s, opened.collection.config.cadence.min_interval_s)
        for name, lim in limits.items()
    }
    need = {name: math.ceil(2 * capacity[name] * min(seconds, floor_s[name])) for name in PLATFORMS}
    whole = sum(capacity.values())
    counts = {name: max(1, int(total * capacity[name] / whole)) for name in PLATFORMS}
    short = {name for name in PLATFORMS if need[name] > counts[name]}
    if short:
        rest = total - sum(need[name] for name in short)
        others = sum(capacity[name] for name in PLATFORMS if name not in short)
        for name in PLATFORMS:
            counts[name] = need[name] if name in short else max(1, int(rest * capacity[name] / others))
    return counts


def seed(url: str, counts: dict[str, int]) -> None:
    """Every item's key as a post in the simulator."""
    for platform in PLATFORMS:
        keys = [sim_key(platform, i) for i in range(counts[platform])]
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
            opened = open_collection(config, environ=credentials())
            counts = shares(args.items, opened, args.seconds)
            seed(url, counts)
            now = datetime.now(UTC)
            store = opened.collection.store
            mastodon_host = url.removeprefix("http://")
            with store.transaction() as cur:
                for platform in PLATFORMS:
                    keys = [item_key(platform, i, mastodon_host) for i in range(counts[platform])]
                    cur.execute(
                        "insert into items (platform, item_key, tracked_at, next_due_at) "
                        "select ?, unnest(?::varchar[]), ?, ?",
                        [platform, keys, now, now],
                    )
            print(
                f"seeded {sum(counts.values()):,} items in {time.perf_counter() - t0:.1f} s: "
                + ", ".join(f"{name} {n:,}" for name, n in counts.items())
            )
            instruments = Instruments()
            instruments.wrap_collectors(opened)
            unwrap = instruments.wrap_flush()
            daemon = Daemon(opened)
            load_before = os.getloadavg()[0]
            cpu0, wall0 = time.process_time(), time.perf_counter()
            daemon.start()
            time.sleep(args.seconds)
            window = (wall0, time.perf_counter())
            # Rounds in flight finish before the store is read and closed (under heavy load one
            # outlasted a 10-s drain and met a closed connection).
            left = daemon.shutdown(drain_s=120)
            if left:
                print(f"{left} rounds still running after 120 s; their requests are counted, not stored")
            cpu = time.process_time() - cpu0
            unwrap()
            stored = dict(
                store.df(
                    "select i.platform, count(distinct (s.item_id, s.ts)) from samples s "
                    "join items i using (item_id) group by all"
                ).rows()
            )
            waits = dict(
                store.df(
                    "select platform, count(*) from runs where status = 'rate_limited' group by all"
                ).rows()
            )
            refused = httpx.get(f"{url}/_sim/state", timeout=30).raise_for_status().json()["refused"]
            report(
                opened,
                instruments,
                window,
                stored,
                Throttling(refused, waits),
                cpu,
                (load_before, os.getloadavg()[0]),
                args,
            )
            opened.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def report(
    opened: Opened,
    instruments: Instruments,
    window: tuple[float, float],
    stored: dict[str, int],
    throttling: Throttling,
    cpu: float,
    load: tuple[float, float],
    args: argparse.Namespace,
) -> None:
    active = opened.collection.active
    seconds = window[1] - window[0]
    print(
        f"{args.items:,} items, {args.latency * 1000:.0f} ms latency, a {seconds:.1f} s window, "
        f"{cpu:.1f} s CPU; load average {load[0]:.1f} before, {load[1]:.1f} after"
    )
    print(
        f"{'platform':<11} {'requests':>8} {'allowed':>7} {'req/s':>7} {'allowed/s':>9} {'of allowed':>10} "
        f"{'items/req':>9} {'batch max':>9} {'samples':>8} {'429s':>5} {'waits':>5} {'answer ms':>9} "
        f"{'ceiling/s':>9} {'store s':>7}"
    )
    total = 0
    for name in PLATFORMS:
        limits = active[name].limits
        calls = [c for c in instruments.calls[name] if window[0] <= c[0] < window[1]]
        requests, items = len(calls), sum(c[2] for c in calls)
        rate = limits.requests / limits.per_seconds
        samples = stored.get(name, 0)
        total += samples
        answer_ms = statistics.median(c[1] for c in calls) * 1000 if calls else float("nan")
        print(
            f"{name:<11} {requests:>8} {rate * seconds:>7.1f} {requests / seconds:>7.2f} {rate:>9.2f} "
            f"{requests / seconds / rate:>10.0%} {items / requests if requests else 0:>9.1f} "
            f"{limits.max_batch:>9} {samples:>8} {throttling.refused.get(name, 0):>5} "
            f"{throttling.waits.get(name, 0):>5} {answer_ms:>9.0f} "
            f"{1000 / answer_ms:>9.1f} {instruments.store_s[name]:>7.1f}"
        )
    coarse = [
        name
        for name in PLATFORMS
        if active[name].limits.requests / active[name].limits.per_seconds * seconds < 20
    ]
    if coarse:
        print(
            f"under 20 allowed requests in {seconds:.0f} s ({', '.join(coarse)}): one request is 5% or more "
            "of the figure; run longer (--seconds) to measure the rate"
        )
    per_thousand = cpu / total * 1000 if total else float("nan")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"samples stored {total:,}; CPU {per_thousand:.2f} s per 1,000 samples; peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
