"""What the dashboards cost on a large store, and that they cost it once per refresh: each page's
data callback on a cold cache (median of 5) split into the named queries' time (SQL) and the
rest (Python/Dash), at the next refreshes (a minute apart) without the warmer, with its
components and JSON size; the same callback served as the app serves it (a view kept warm by
`dashboards.warmer`): cold (the first reader of a new view), stale (a reader at the next tick
while the warmer recomputes: the previous tick's answers), warm (a reader after the warmer ran),
and the warmer's own replay time in the background;
fifty concurrent renders of each page sharing one cache (queries per refresh); fifty concurrent
readers of the site's box over real HTTP (ranking queries per refresh); with --browser a full page render in Chromium (the first
load, then the median of 5 first visits and of 5 repeat visits, and a phone visit at 390 px with
its DOM size and any horizontal overflow; each first visit also until every chart on the page is
drawn); and a summary line per page.

    python bench/dashboard.py [--rows 3000000] [--db /tmp/dash.duckdb] [--browser] [--no-readers]

The store is bench/queries.py's (articles x Reddit, Bluesky, X, 50 samples per post over 14
days, articles spread over 30 days, written through the product's write path); pages rank as of
its last sample (a frozen clock). The issue's scale is --rows 30000000 (100,000 articles).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from plotly.io.json import to_json_plotly as to_json

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

import dashboards
from dashboards import create_app
from dashboards.data import Data
from dashboards.pages import article, health, most_popular, trending
from dashboards.view import Ctx, parse
from tracker.clock import FrozenClock
from tracker.owner.background import BackgroundServer
from tracker.store import Store

READERS = 50
# True once every chart on the page is drawn (none on Health): Plotly is loaded only once a chart
# mounts, so a page's table can show seconds before its chart. Each chart's wrapper
# (dashboards.refresh) is asked: a dcc.Graph is no .js-plotly-plot yet while plotly.js loads.
EVERY_CHART_DRAWN = "[...document.querySelectorAll('.chart')].every(c => c.querySelector('.main-svg'))"


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


def component_count(tree: Any) -> int:
    """Dash components in a layout (what dash-renderer wraps one by one in the browser)."""
    if isinstance(tree, list | tuple):
        return sum(component_count(c) for c in tree)
    if not hasattr(tree, "_prop_names"):
        return 0
    return 1 + component_count(getattr(tree, "children", None))


class _Refreshes(Data):
    """Data whose refresh tick the bench moves (the next refresh without waiting a minute)."""

    refresh = 0

    def tick(self) -> int:
        return self.refresh


def next_refreshes(store: Store, start: FrozenClock, render: Callable[[Data], Any]) -> tuple[float, float]:
    """A page's callback at each of 5 later refreshes, a minute apart (median ms, and its SQL):
    what a reader pays once the server runs, the current rankings computed again each refresh
    and the past ones for the rank change shared (pinned to a grid)."""
    clock = FrozenClock(start.now())
    data = _Refreshes(store, clock, ttl_s=60)
    render(data)  # the server's first refresh
    totals, sql = [], []
    for _ in range(5):
        data.refresh += 1
        clock.advance(60)
        before = sum(data.seconds.values())
        started = time.perf_counter()
        render(data)
        totals.append(time.perf_counter() - started)
        sql.append(sum(data.seconds.values()) - before)
    return statistics.median(totals) * 1000, statistics.median(sql) * 1000


def callbacks(store: Store, clock: FrozenClock, article_id: int) -> dict[str, dict[str, float]]:
    """Each page's data callback as the first reader of a refresh sees it (a fresh cache), split
    into the named queries' time (SQL, run through the store) and the rest (Python and Dash:
    Polars transforms, figures, components); then the same render again on a warm cache (Python
    only), the size of what the callback sends and how many components the browser must build."""
    print("page data callback, cold cache (median of 5): total = SQL (named queries) + Python/Dash:")
    figures: dict[str, dict[str, float]] = {}
    for name, render in pages(article_id).items():
        totals: list[float] = []
        sql: list[float] = []
        last: Data | None = None
        out: Any = None
        for _ in range(5):
            data = Data(store, clock, ttl_s=3600)
            started = time.perf_counter()
            out = render(data)
            totals.append(time.perf_counter() - started)
            sql.append(sum(data.seconds.values()))
            last = data
        assert last is not None
        warm = median_ms(lambda r=render, d=last: r(d))  # every query a cache hit: Python/Dash only
        payload = len(to_json(out))
        comps = component_count(out)
        each = ", ".join(
            f"{k} {v * 1000:.0f}" for k, v in sorted(last.seconds.items(), key=lambda kv: -kv[1])
        )
        total_ms = statistics.median(totals) * 1000
        sql_ms = statistics.median(sql) * 1000
        python_ms = statistics.median(t - q for t, q in zip(totals, sql, strict=True)) * 1000
        following, following_sql = next_refreshes(store, clock, render)
        figures[name] = {
            "total": total_ms,
            "sql": sql_ms,
            "python": python_ms,
            "warm": warm,
            "next": following,
            "next_sql": following_sql,
        }
        print(
            f"  {name:<24} {total_ms:7.0f} ms = SQL {sql_ms:6.0f} + Python {python_ms:5.0f}; "
            f"next refreshes {following:5.0f} ms (SQL {following_sql:5.0f}); "
            f"warm-cache render {warm:5.0f} ms; {comps} components, {payload / 1024:.0f} KiB JSON; "
            f"{sum(last.queries.values())} queries (ms: {each})"
        )
    return figures


def warmed(store: Store, clock: FrozenClock, article_id: int) -> dict[str, dict[str, float]]:
    """Each page's callback as the app serves it, through `Data.view` and the warmer, including
    Dash's JSON serialisation of what it returns (median of 5, a new cache each)."""
    print(
        "page data callback served through the warmer (median of 5, ms, incl. JSON): cold = first "
        "reader of a new view; stale = a reader at the next tick while the warmer recomputes; "
        "warm = a reader after the warmer ran; warmer = its background replay of the view:"
    )
    figures: dict[str, dict[str, float]] = {}
    for name, render in pages(article_id).items():
        runs: dict[str, list[float]] = {"cold": [], "stale": [], "warmer": [], "warm": []}
        stale_shown = True
        for _ in range(5):
            data = _Refreshes(store, clock, ttl_s=60)

            def serve(d: Data = data, r: Callable[[Data], Any] = render, key: str = name) -> bool:
                value, served = d.view(key, r)
                to_json(value)
                return served.stale

            started = time.perf_counter()
            serve()
            runs["cold"].append(time.perf_counter() - started)
            data.refresh += 1  # the next refresh tick begins
            started = time.perf_counter()
            stale_shown = serve() and stale_shown
            runs["stale"].append(time.perf_counter() - started)
            started = time.perf_counter()
            data.warm()
            runs["warmer"].append(time.perf_counter() - started)
            started = time.perf_counter()
            assert not serve()
            runs["warm"].append(time.perf_counter() - started)
        figures[name] = {k: statistics.median(v) * 1000 for k, v in runs.items()}
        f = figures[name]
        print(
            f"  {name:<24} cold {f['cold']:6.0f}  stale {f['stale']:5.0f}"
            f"{'' if stale_shown else ' (not stale!)'}  warm {f['warm']:5.0f}  "
            f"(warmer in the background {f['warmer']:6.0f})"
        )
    return figures


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
    print(
        f"site box, {READERS} concurrent readers per refresh over real HTTP (ranking queries in the "
        "refresh: the first reader's, then the warmer's; readers of later refreshes get the "
        "previous answer while it runs):"
    )
    try:
        for cycle in range(refreshes):
            before = data.queries["ranking"]
            time.sleep(refresh_s - time.time() % refresh_s + 0.05)  # a new tick: every reader misses
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
            data.wait_idle(300)  # the warmer's computation of this refresh, if still running
            print(
                f"  refresh {cycle + 1}: {READERS} concurrent readers ({codes.count(200)} ok) -> "
                f"{data.queries['ranking'] - before} ranking query, {wall * 1000:.0f} ms wall"
            )
    finally:
        server.stop()
        app.server.extensions["tracker_close"]()


def phone_visit(chromium: Any, url: str, selector: str) -> tuple[float, int, int]:
    """One visit at 390 x 844 (a phone): ms until drawn, how many CSS pixels the document is
    wider than the screen once Plotly has settled (0 = nothing cut off), and its DOM elements."""
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.locator(selector).first.wait_for(timeout=600_000)
    ms = (time.perf_counter() - started) * 1000
    page.wait_for_timeout(500)
    overflow = int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
    nodes = int(page.evaluate("document.getElementsByTagName('*').length"))
    context.close()
    return ms, overflow, nodes


def trace_visit(chromium: Any, url: str, selector: str) -> None:
    """Where one first visit's time goes (a fresh profile, the data cache warm): when each script
    and each Dash callback request started and ended (ms after `page.goto`), the callbacks'
    rounds (requests started after an earlier one ended), and when the page was drawn."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    events: list[tuple[str, float, float, int]] = []

    def finished(request: Any) -> None:
        timing = request.timing
        name = request.url.rsplit("/", 1)[-1].split("?")[0]
        if "_dash-update-component" in request.url:
            name = "callback " + str((request.post_data_json or {}).get("output", ""))[:48]
        elif request.resource_type not in ("script", "document", "fetch", "xhr"):
            return
        size = int(request.sizes()["responseBodySize"])
        events.append((name, timing["startTime"], timing["responseEnd"] + timing["startTime"], size))

    page.on("requestfinished", finished)
    started = time.perf_counter()
    page.goto(url)
    page.locator(selector).first.wait_for(timeout=600_000)
    drawn = (time.perf_counter() - started) * 1000
    page.wait_for_timeout(300)
    origin = min(e[1] for e in events)
    calls = sorted((e for e in events if e[0].startswith("callback")), key=lambda e: e[1])
    rounds, last_end = 0, -1.0
    for _, start, end, _ in calls:
        if start >= last_end:
            rounds += 1
        last_end = max(last_end, end) if start >= last_end else last_end
    print(
        f"    one first visit of {url.split('/', 3)[-1] or '/'}: drawn at {drawn:.0f} ms; {rounds} callback rounds"
    )
    for name, start, end, size in sorted(events, key=lambda e: e[1]):
        print(f"      {start - origin:7.0f} -> {end - origin:7.0f} ms  {size / 1024:8.0f} KiB  {name}")
    context.close()


def browser_render(store: Store, clock: FrozenClock, article_id: int) -> dict[str, dict[str, float]]:
    """Until the page's table or chart is drawn: the first load (a cold data cache), then the
    median of 5 first visits (a fresh browser profile each: every script downloaded and parsed)
    and of 5 repeat visits (one profile: scripts from the browser's cache, as an editor's)."""
    from playwright.sync_api import sync_playwright

    app = create_app(store, refresh_s=3600, clock=clock)  # one refresh for the whole run
    server = BackgroundServer(app.server, name="bench-pages").start()
    app.server.extensions["tracker_data"].warm_in_background = False  # no pass at the hour mid-run
    ready = {
        "most popular 24h": ("/", "table.ranking tbody tr"),
        "trending": ("/trending", "table.ranking tbody tr"),
        "article": (f"/article/{article_id}", "#article-graph .main-svg"),
        "health": ("/health", "table.health tbody tr, #page-content .empty"),
    }
    figures: dict[str, dict[str, float]] = {}
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless=new", "--no-sandbox", "--disable-gpu"]
            )
            print(
                "page fully rendered in Chromium (1400 px): first load, then median of 5 first and repeat visits:"
            )
            for name, (path, selector) in ready.items():
                profile = chromium.new_context(viewport={"width": 1400, "height": 900})

                def load(p: str = path, s: str = selector, context: Any = None) -> tuple[float, float]:
                    own = context or chromium.new_context(viewport={"width": 1400, "height": 900})
                    page = own.new_page()
                    started = time.perf_counter()
                    page.goto(server.url + p)
                    page.locator(s).first.wait_for(timeout=600_000)
                    ready = (time.perf_counter() - started) * 1000
                    page.wait_for_function(EVERY_CHART_DRAWN, timeout=600_000, polling=20)
                    drawn = (time.perf_counter() - started) * 1000
                    page.close()
                    if context is None:
                        own.close()
                    return ready, drawn

                cold = load(context=profile)[0]
                trace_visit(chromium, server.url + path, selector)
                firsts = [load() for _ in range(5)]
                first = statistics.median(f[0] for f in firsts)
                charts = statistics.median(f[1] for f in firsts)
                repeat = statistics.median(load(context=profile)[0] for _ in range(5))
                profile.close()
                phone_ms, overflow, nodes = phone_visit(chromium, server.url + path, selector)
                figures[name] = {"cold": cold, "first": first, "repeat": repeat, "phone": phone_ms}
                print(
                    f"  {path:<24} {cold:7.0f} ms first load, {first:6.0f} ms first visit "
                    f"(every chart drawn {charts:6.0f} ms), "
                    f"{repeat:6.0f} ms repeat visit; at 390 px {phone_ms:6.0f} ms, {nodes} DOM elements, "
                    f"{overflow} px wider than the screen"
                )
            chromium.close()
    finally:
        server.stop()
        app.server.extensions.get("tracker_close", lambda: True)()  # main before the warmer had none
    return figures


def summary(
    calls: dict[str, dict[str, float]],
    served: dict[str, dict[str, float]],
    renders: dict[str, dict[str, float]],
) -> None:
    """One line per page: what the store costs, what Python costs, what a reader waits for with
    and without the warmer, what the browser costs."""
    print(
        "summary (ms; targets: callback < 300, render < 2000; SQL + Python = the cold callback; "
        "'no warmer' = a reader at the next refresh before; cold/stale/warm = through the warmer):"
    )
    print(
        f"  {'page':<24} {'SQL':>7} {'Python':>7} {'cold':>7} {'no warmer':>10} {'stale':>6} "
        f"{'warm':>6} {'render first':>13} {'render repeat':>14}"
    )
    for name, call in calls.items():
        shown = renders.get(name, {})
        view = served.get(name, {})
        first = f"{shown['first']:.0f}" if shown else "-"
        repeat = f"{shown['repeat']:.0f}" if shown else "-"
        print(
            f"  {name:<24} {call['sql']:7.0f} {call['python']:7.0f} {view.get('cold', call['total']):7.0f} "
            f"{call['next']:10.0f} {view.get('stale', 0):6.0f} {view.get('warm', 0):6.0f} "
            f"{first:>13} {repeat:>14}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=3_000_000, help="count rows (30,000,000 = 100,000 articles)"
    )
    parser.add_argument("--db", type=Path, default=None, help="reuse (or build) this DuckDB file")
    parser.add_argument("--browser", action="store_true", help="also time full page renders in Chromium")
    parser.add_argument(
        "--no-readers", action="store_true", help="skip the concurrent renders and the box's readers"
    )
    parser.add_argument(
        "--browser-only", action="store_true", help="only the Chromium renders (implies --browser)"
    )
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
        # Which checkout is measured (the script puts its own checkout first on sys.path, so an
        # editable install elsewhere does not win): said, because an A/B depends on it.
        print(f"code measured: {Path(dashboards.__file__).parent.parent}")
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
        if args.browser_only:
            browser_render(store, clock, article_id)
            store.close()
            return
        calls = callbacks(store, clock, article_id)
        served = warmed(store, clock, article_id)
        if not args.no_readers:
            concurrent_renders(store, clock, article_id)
            box_readers(store, clock)
        renders = browser_render(store, clock, article_id) if args.browser else {}
        summary(calls, served, renders)
        store.close()


if __name__ == "__main__":
    main()
