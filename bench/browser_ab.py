"""Two checkouts' pages in Chromium, interleaved in one run: each checkout's app served by its own
process over the same store (opened read-only by both), then rounds of first visits (a fresh
browser profile each: every script downloaded and parsed), page by page, A B then B A..., and
per page the median of each and B's time as a ratio of A's. Two figures per visit: until the
page's table or chart is shown (bench/dashboard.py's measure), and until every chart on it is
drawn. On a loaded machine only the ratios mean something.

    git -C /work/main archive main | tar -x -C /tmp/base   # A: main's code
    python bench/browser_ab.py --db COPY.duckdb --a /tmp/base --b . [--rounds 5]

The store must have been opened read-write once by code with the same migrations (any
`tracker` command or bench/dashboard.py does); it is bench/queries.py's, ranked as of its last
sample. Both sides read the one store read-only, and a read-only open does not write the
checkout's views and macros into it: both run the SQL definitions stored in the file, so this
compares the checkouts' Python and browser code, not their SQL (bench/ab_queries.py does that).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# Until shown (as bench/dashboard.py waits) and until every chart is drawn (none on Health): each
# chart's wrapper (dashboards.refresh) holds Plotly's SVG; a dcc.Graph is no .js-plotly-plot yet
# while plotly.js loads, so counting those would find none to wait for.
PAGES = {
    "/": "table.ranking tbody tr",
    "/trending": "table.ranking tbody tr",
    "/article/{article}": "#article-graph .main-svg",
    "/health": "table.health tbody tr, #page-content .empty",
}
EVERY_CHART_DRAWN = "[...document.querySelectorAll('.chart')].every(c => c.querySelector('.main-svg'))"


def serve(db: Path) -> None:
    """The app over `db` (read-only, frozen at its last sample) until standard input closes;
    prints its URL and the article page measured (the top story of the last 24 h)."""
    from dashboards import create_app
    from tracker.clock import FrozenClock
    from tracker.owner.background import BackgroundServer
    from tracker.store import Store

    store = Store.open(db, read_only=True)
    clock = FrozenClock(store.scalar("select max(ts) from samples"))
    top = store.named(
        "ranking", win="24 hours", platform="", site="", section="", author="", limit=1, as_of=clock.now()
    )
    app = create_app(store, refresh_s=3600, clock=clock)  # one refresh for the whole run
    app.server.extensions["tracker_data"].warm_in_background = False
    server = BackgroundServer(app.server, name="bench-ab").start()
    print(server.url, int(top["article_id"][0]), flush=True)
    sys.stdin.read()
    server.stop()
    app.server.extensions["tracker_close"]()
    store.close()


def start(checkout: Path, db: Path) -> tuple[subprocess.Popen[str], str, str]:
    """A server process running `checkout`'s code (first on its sys.path)."""
    env = dict(os.environ, PYTHONPATH=str(checkout.resolve()))
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", "--db", str(db.resolve())],
        cwd=checkout,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url, article = process.stdout.readline().split()
    return process, url, article


def visit(chromium: Any, url: str, selector: str) -> tuple[float, float]:
    """One first visit: ms until `selector` is shown, and until every chart is drawn."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.locator(selector).first.wait_for(timeout=600_000)
    shown = (time.perf_counter() - started) * 1000
    page.wait_for_function(EVERY_CHART_DRAWN, timeout=600_000, polling=20)
    drawn = (time.perf_counter() - started) * 1000
    context.close()
    return shown, drawn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a bench store (opened read-only)")
    parser.add_argument("--a", type=Path, help="checkout A (the baseline)")
    parser.add_argument("--b", type=Path, help="checkout B")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.db)
        return
    if not args.db.exists() or args.a is None or args.b is None:
        parser.error("--db must exist, and --a and --b name two checkouts")
    from playwright.sync_api import sync_playwright

    servers: dict[str, Any] = {}
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    try:
        for name, path in (("A", args.a), ("B", args.b)):
            servers[name] = start(path, args.db)  # inside the try: B failing still stops A
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless=new", "--no-sandbox", "--disable-gpu"]
            )
            for _, url, article in servers.values():  # each app's data cache warm
                for path, selector in PAGES.items():
                    visit(chromium, url + path.format(article=article), selector)
            for round_ in range(args.rounds):
                order = ["A", "B"] if round_ % 2 == 0 else ["B", "A"]
                for path, selector in PAGES.items():
                    for name in order:
                        _, url, article = servers[name]
                        shown = visit(chromium, url + path.format(article=article), selector)
                        times.setdefault((name, path), []).append(shown)
                print(f"round {round_ + 1}/{args.rounds}, load average {os.getloadavg()[0]:.1f}", flush=True)
            chromium.close()
    finally:
        for process, _, _ in servers.values():
            assert process.stdin is not None
            process.stdin.close()
            process.wait(120)
    print(f"A = {args.a.resolve()}, B = {args.b.resolve()}; median of {args.rounds} first visits (ms):")
    print(
        f"  {'page':<20} {'A shown':>8} {'B shown':>8} {'B/A':>5}   {'A charts':>8} {'B charts':>8} {'B/A':>5}"
    )
    for path in PAGES:
        a_shown, a_drawn = (statistics.median(t[i] for t in times[("A", path)]) for i in (0, 1))
        b_shown, b_drawn = (statistics.median(t[i] for t in times[("B", path)]) for i in (0, 1))
        print(
            f"  {path:<20} {a_shown:8.0f} {b_shown:8.0f} {b_shown / a_shown:5.2f}   "
            f"{a_drawn:8.0f} {b_drawn:8.0f} {b_drawn / a_drawn:5.2f}"
        )
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
