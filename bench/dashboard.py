"""What the dashboards cost on a large store: each page's data callback (cold cache, median of
5), a full page render in Chromium (median of 5, with --browser), and how many ranking queries
fifty concurrent readers of the site's box cause per refresh over real HTTP.

    python bench/dashboard.py [--articles 100000] [--items-per-article 4] [--samples 25] [--browser]

The default store is small so the script runs in a minute; the issue's target scale is
--articles 100000 --samples 25 (100,000 articles, 400,000 posts, 30 M samples).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from dashboards import create_app
from dashboards.data import Data
from dashboards.pages import article, health, most_popular, trending
from dashboards.view import Ctx, parse
from tracker.owner.background import BackgroundServer
from tracker.store import Store

READERS = 50


def _builder() -> Callable[..., int]:
    """The store generator of bench/query_latency.py (one realistic shape for every bench)."""
    spec = importlib.util.spec_from_file_location(
        "query_latency", Path(__file__).with_name("query_latency.py")
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build  # type: ignore[no-any-return]


def median_ms(fn: Callable[[], Any], repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def ctx(page: str, path: str, search: str = "") -> Ctx:
    return Ctx(parse(page, search), ZoneInfo("UTC"), "UTC", path)


def callbacks(store: Store, article_id: int) -> None:
    print("page data callback, cold cache (median of 5):")
    cases: dict[str, Callable[[Data], Any]] = {
        "most popular 24h": lambda d: most_popular.content(d, ctx("most_popular", "/")),
        "most popular 1h reddit": lambda d: most_popular.content(
            d, ctx("most_popular", "/", "?window=1h&platform=reddit")
        ),
        "trending": lambda d: trending.content(d, ctx("trending", "/trending")),
        "article": lambda d: article.content(d, ctx("article", f"/article/{article_id}"), article_id),
        "health": lambda d: health.content(d, ctx("health", "/health")),
    }
    for name, render in cases.items():
        print(f"  {name:<24} {median_ms(lambda r=render: r(Data(store, ttl_s=0))):8.0f} ms")


def box_readers(store: Store, refreshes: int = 3) -> None:
    app = create_app(store, refresh_s=2.0)  # cache lives 1 s
    data = app.server.extensions["tracker_data"]
    server = BackgroundServer(app.server, name="bench-box").start()
    try:
        for cycle in range(refreshes):
            time.sleep(1.2)  # let the cached ranking expire: every reader misses at once
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
            ok = codes.count(200)
            print(
                f"  refresh {cycle + 1}: {READERS} concurrent readers ({ok} ok) -> "
                f"{data.queries['ranking'] - before} ranking query, {wall * 1000:.0f} ms wall"
            )
    finally:
        server.stop()


def browser_render(store: Store, article_id: int) -> None:
    from playwright.sync_api import sync_playwright

    server = BackgroundServer(create_app(store, refresh_s=60).server, name="bench-pages").start()
    ready = {
        "/": "table.ranking tbody tr",
        "/trending": "#tr-chart .main-svg",
        f"/article/{article_id}": "#article-graph .main-svg",
        "/health": "table.health tbody tr",
    }
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless=new", "--no-sandbox", "--disable-gpu"]
            )
            print("page fully rendered in Chromium (median of 5):")
            for path, selector in ready.items():

                def load(p: str = path, s: str = selector) -> None:
                    page = chromium.new_page()
                    page.goto(server.url + p)
                    page.locator(s).first.wait_for(timeout=120_000)
                    page.close()

                print(f"  {path:<24} {median_ms(load):8.0f} ms")
            chromium.close()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--items-per-article", type=int, default=4)
    parser.add_argument("--samples", type=int, default=25, help="samples per post and metric, 10 min apart")
    parser.add_argument("--browser", action="store_true", help="also time full page renders in Chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.duckdb")
        started = time.perf_counter()
        samples = _builder()(store, args.articles, args.items_per_article, args.samples, datetime.now(UTC))
        print(
            f"store: {args.articles:,} articles, {args.articles * args.items_per_article:,} posts, "
            f"{samples:,} samples (built in {time.perf_counter() - started:.0f} s)"
        )
        store.checkpoint()
        article_id = int(store.scalar("select max(article_id) from tracked_articles"))
        callbacks(store, article_id)
        print(f"site box, {READERS} concurrent readers per refresh over real HTTP:")
        box_readers(store)
        if args.browser:
            browser_render(store, article_id)
        store.close()


if __name__ == "__main__":
    main()
