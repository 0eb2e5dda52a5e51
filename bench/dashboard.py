"""What the dashboards cost on a large store, and that they cost it once per refresh: each page's
data callback on a cold cache (median of 5) with the named queries it ran, fifty concurrent
renders of each page sharing one cache (queries per refresh), fifty concurrent readers of the
site's box over real HTTP (ranking queries per refresh), and with --browser a full page render
in Chromium (the first, cold, and the median of 5 while the refresh's results are cached).

    python bench/dashboard.py [--rows 3000000] [--db /tmp/dash.duckdb] [--browser]

The store is bench/queries.py's (articles x Reddit, Bluesky, X, 50 samples per post over 14
days, articles spread over 30 days, written through the product's write path); pages rank as of
its last sample (a frozen clock). The issue's scale is --rows 30000000 (100,000 articles).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from dashboards import create_app
from dashboards.data import Data
from dashboards.pages import article, health, most_popular, trending
from dashboards.view import Ctx, parse
from tracker.clock import FrozenClock
from tracker.owner.background import BackgroundServer
from tracker.store import Store

READERS = 50


def _queries_bench() -> ModuleType:
    """bench/queries.py: one realistic store shape for every bench at scale."""
    spec = importlib.util.spec_from_file_location("bench_queries", Path(__file__).with_name("queries.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_ms(fn: Callable[[], Any], repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def ctx(page: str, path: str, search: str = "") -> Ctx:
    return Ctx(parse(page, search), ZoneInfo("UTC"), "UTC", path)


def pages(article_id: int) -> dict[str, Callable[[Data], Any]]:
    return {
        "most popular 24h": lambda d: most_popular.content(d, ctx("most_popular", "/")),
        "most popular 1h reddit": lambda d: most_popular.content(
            d, ctx("most_popular", "/", "?window=1h&platform=reddit")
        ),
        "trending": lambda d: trending.content(d, ctx("trending", "/trending")),
        "article": lambda d: article.content(d, ctx("article", f"/article/{article_id}"), article_id),
        "health": lambda d: health.content(d, ctx("health", "/health")),
    }


def callbacks(store: Store, clock: FrozenClock, article_id: int) -> None:
    """Each page's data callback as the first reader of a refresh sees it (a fresh cache)."""
    print("page data callback, cold cache (median of 5), and the named queries one render runs:")
    for name, render in pages(article_id).items():
        runs: list[Data] = []

        def once(r: Callable[[Data], Any] = render, runs: list[Data] = runs) -> None:
            data = Data(store, clock, ttl_s=3600)
            r(data)
            runs.append(data)

        ms = median_ms(once)
        last = runs[-1]
        each = ", ".join(
            f"{k} {v * 1000:.0f}" for k, v in sorted(last.seconds.items(), key=lambda kv: -kv[1])
        )
        print(f"  {name:<24} {ms:8.0f} ms  {sum(last.queries.values())} queries (last run, ms: {each})")


def concurrent_renders(store: Store, clock: FrozenClock, article_id: int) -> None:
    """Fifty readers render each page at once over one shared cache: queries reaching the store."""
    print(f"{READERS} concurrent renders of each page in one refresh -> queries reaching the store:")
    for name, render in pages(article_id).items():
        data = Data(store, clock, ttl_s=3600)
        barrier = threading.Barrier(READERS)

        def read(r: Callable[[Data], Any] = render, b: threading.Barrier = barrier, d: Data = data) -> None:
            b.wait()
            r(d)

        threads = [threading.Thread(target=read) for _ in range(READERS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        print(
            f"  {name:<24} {sum(data.queries.values())} queries for {READERS} renders "
            f"({', '.join(f'{k} {v}' for k, v in sorted(data.queries.items()))}); {wall * 1000:.0f} ms wall"
        )


def box_readers(store: Store, clock: FrozenClock, refreshes: int = 3) -> None:
    refresh_s = 10.0  # longer than the ranking query, as in production (60 s)
    app = create_app(store, refresh_s=refresh_s, clock=clock)
    data = app.server.extensions["tracker_data"]
    server = BackgroundServer(app.server, name="bench-box").start()
    print(f"site box, {READERS} concurrent readers per refresh over real HTTP:")
    try:
        for cycle in range(refreshes):
            time.sleep(refresh_s - time.time() % refresh_s + 0.05)  # a new tick: every reader misses
            before = data.queries["ranking"]
            barrier = threading.Barrier(READERS)
            codes: list[int] = []

            def read(barrier: threading.Barrier = barrier, codes: list[int] = codes) -> None:
                barrier.wait()
                codes.append(
                    httpx.get(f"{server.url}/api/most-popular?window=24h&limit=5", timeout=300).status_code
                )

            threads = [threading.Thread(target=read) for _ in range(READERS)]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            print(
                f"  refresh {cycle + 1}: {READERS} concurrent readers ({codes.count(200)} ok) -> "
                f"{data.queries['ranking'] - before} ranking query, {wall * 1000:.0f} ms wall"
            )
    finally:
        server.stop()


def browser_render(store: Store, clock: FrozenClock, article_id: int) -> None:
    from playwright.sync_api import sync_playwright

    app = create_app(store, refresh_s=3600, clock=clock)  # one refresh for the whole run
    server = BackgroundServer(app.server, name="bench-pages").start()
    ready = {
        "/": "table.ranking tbody tr",
        "/trending": "table.ranking tbody tr",
        f"/article/{article_id}": "#article-graph .main-svg",
        "/health": "table.health tbody tr, #page-content .empty",
    }
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless=new", "--no-sandbox", "--disable-gpu"]
            )
            print("page fully rendered in Chromium: first (cold cache), then median of 5 (same refresh):")
            for path, selector in ready.items():

                def load(p: str = path, s: str = selector) -> None:
                    page = chromium.new_page()
                    page.goto(server.url + p)
                    page.locator(s).first.wait_for(timeout=600_000)
                    page.close()

                cold = median_ms(load, repeat=1)
                print(f"  {path:<24} {cold:8.0f} ms cold, {median_ms(load):6.0f} ms warm")
            chromium.close()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=3_000_000, help="count rows (30,000,000 = 100,000 articles)"
    )
    parser.add_argument("--db", type=Path, default=None, help="reuse (or build) this DuckDB file")
    parser.add_argument("--browser", action="store_true", help="also time full page renders in Chromium")
    args = parser.parse_args()
    queries = _queries_bench()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.duckdb"
        if not path.exists():
            started = time.perf_counter()
            articles, counts = queries.synthetic(args.rows)
            queries.build_duckdb(path, articles, counts, 100_000)
            print(f"built in {time.perf_counter() - started:.0f} s")
            del counts
        store = Store.open(path)
        clock = FrozenClock(store.scalar("select max(ts) from samples"))
        print(
            f"store: {store.scalar('select count(*) from tracked_articles'):,} articles, "
            f"{store.scalar('select count(*) from items'):,} posts, "
            f"{store.scalar('select count(*) from samples'):,} samples; ranked as of {clock.now():%Y-%m-%d %H:%M} UTC"
        )
        top = store.named(
            "ranking", win="24 hours", platform="", site="", section="", author="", limit=1, as_of=clock.now()
        )
        article_id = int(top["article_id"][0])
        callbacks(store, clock, article_id)
        concurrent_renders(store, clock, article_id)
        box_readers(store, clock)
        if args.browser:
            browser_render(store, clock, article_id)
        store.close()


if __name__ == "__main__":
    main()
