"""Tracking many URLs: `tracker.service.track` with one transaction per URL (a batch size of
1: how `tracker track` wrote before bulk tracking) beside the bulk path (one transaction per
TRACK_BATCH URLs, set-wise inserts), on real DuckDB files; then the CLI end to end
(`tracker track --from-file`, the whole process).

    python bench/track_bulk.py [--urls 5000] [--per-url 500] [--no-cli]

The per-URL path is timed on the first `--per-url` URLs and scaled to the whole list (it is
linear: one commit per URL), so the run stays short; the ratio is per URL either way.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

from tracker import service
from tracker.clock import SystemClock

SITES = 4


def article_urls(count: int) -> list[str]:
    """Article URLs as a newsroom pastes them: several sites, tracking parameters, www. copies."""
    out = []
    for i in range(count):
        site = f"news{i % SITES}.example.com"
        host = f"www.{site}" if i % 3 == 0 else site
        tail = "?utm_source=twitter&utm_medium=social" if i % 2 else ""
        out.append(f"https://{host}/2026/12/{i // 100:03d}/story-{i}/{tail}")
    return out


def write_config(folder: Path) -> Path:
    sites = "\n".join(
        f'[[sites]]\nname = "news{i}"\nurl = "https://news{i}.example.com"\n' for i in range(SITES)
    )
    path = folder / "tracker.toml"
    path.write_text(f'[storage]\npath = "{folder / "tracker.duckdb"}"\n\n{sites}')
    return path


def time_service(folder: Path, urls: list[str], batch: int) -> float:
    config = service.load_config(write_config(folder))
    opened = service.open_collection(config, SystemClock(), environ={})
    default, service.TRACK_BATCH = service.TRACK_BATCH, batch
    try:
        started = time.perf_counter()
        rows = service.track(opened, urls)
        elapsed = time.perf_counter() - started
    finally:
        service.TRACK_BATCH = default
        opened.close()
    errors = [row for row in rows if row.error]
    assert not errors, errors[0]
    assert sum(row.created for row in rows) == len(urls), "every URL is a new article"
    return elapsed


def time_cli(folder: Path, urls: list[str]) -> float:
    config = write_config(folder)
    listing = folder / "urls.txt"
    listing.write_text("\n".join(urls) + "\n")
    tracker = [sys.executable, "-m", "tracker", "--config", str(config)]
    subprocess.run([*tracker, "init"], check=True, capture_output=True)
    started = time.perf_counter()
    done = subprocess.run([*tracker, "track", "--from-file", str(listing)], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"tracker track failed: {done.stderr.strip().splitlines()[-1]}")
    assert done.stdout.count("now tracking") == len(urls), done.stdout[-500:]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=5_000)
    parser.add_argument("--per-url", type=int, default=500, help="URLs timed one transaction each")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI run")
    args = parser.parse_args()
    urls = article_urls(args.urls)
    sample = urls[: min(args.per_url, args.urls)]
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        per_url_s = time_service(Path(a), sample, batch=1) * len(urls) / len(sample)
        bulk_s = time_service(Path(b), urls, batch=service.TRACK_BATCH)
    print(f"{len(urls):,} article URLs, {SITES} sites")
    print(f"  one transaction per URL (before): {per_url_s:8.2f} s  (timed on {len(sample):,}, scaled)")
    print(
        f"  bulk, {service.TRACK_BATCH:,} URLs a transaction:  {bulk_s:8.2f} s  ({len(urls) / bulk_s:,.0f} URLs/s)"
    )
    print(f"  bulk is {per_url_s / bulk_s:.1f}x faster")
    if not args.no_cli:
        with tempfile.TemporaryDirectory() as c:
            cli_s = time_cli(Path(c), urls)
        print(f"  tracker track --from-file (CLI, whole process): {cli_s:.2f} s")


if __name__ == "__main__":
    main()
