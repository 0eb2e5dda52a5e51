"""A/B of the rankings and dashboard queries between two stores in one process, runs interleaved.

On a shared machine the load moves by 2-3x between two runs of bench/queries.py, so a before/after
from two runs says little. The views and macros live in each DuckDB file (the owner writes them
at every start), so two copies of the same store, one last opened by the old code and one by the
new, hold the old and the new definitions: this opens both read-only, reads each side's named
queries from its own sql/ folder, and alternates A and B on every repetition, so both see the
same load. Prints the median of N per side and B's speed-up (A / B), in wall time and in this
process's CPU time (both DuckDB threads; less moved by other processes' load than wall time).

    python bench/ab_queries.py --a /tmp/base.duckdb --a-sql ../base/sql \
                               --b /tmp/new.duckdb --b-sql sql [--repeat 5] [--only freshness ...]
                               [--article ID]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb


def _runner(con: duckdb.DuckDBPyConnection, sql_dir: Path) -> Callable[[str, dict[str, Any]], None]:
    def run(query: str, params: dict[str, Any]) -> None:
        # a named query (sql/queries/NAME.sql of that side) or SQL text
        text = query if query.startswith("select ") else (sql_dir / "queries" / f"{query}.sql").read_text()
        con.cursor().sql(text, params=params).to_arrow_table()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=Path, required=True, help="store with the old definitions")
    parser.add_argument("--a-sql", type=Path, required=True, help="the old sql/ folder")
    parser.add_argument("--b", type=Path, required=True, help="store with the new definitions")
    parser.add_argument("--b-sql", type=Path, required=True, help="the new sql/ folder")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None, help="run only the queries whose name starts so")
    parser.add_argument(
        "--article",
        type=int,
        default=None,
        help="the article of the one-article queries (default: the top one)",
    )
    args = parser.parse_args()
    a = duckdb.connect(args.a, read_only=True)
    b = duckdb.connect(args.b, read_only=True)
    row = a.execute("select max(ts) from samples").fetchone()
    assert row is not None
    t1 = row[0]
    # a section holding some of the articles: a filtered ranking (most_popular's on_section)
    section = b.sql("select section from tracked_articles where section is not null limit 1").fetchall()[0][0]
    top = b.sql("select article_id from most_popular('24h', as_of := $t) limit 10", params={"t": t1})
    ids = [r[0] for r in top.fetchall()]
    if args.article is not None:
        ids[0] = args.article
    cases: dict[str, tuple[str, dict[str, Any]]] = {
        "most_popular(24 h)": ("select * from most_popular('24h', as_of := $t)", {"t": t1}),
        "most_popular(24 h, section)": (
            "select * from most_popular('24h', as_of := $t, on_section := $s)",
            {"t": t1, "s": section},
        ),
        "trending()": ("select * from trending(as_of := $t)", {"t": t1}),
        "ranking (top 10)": (
            "ranking",
            {
                "win": "24 hours",
                "platform": "",
                "site": "",
                "section": "",
                "author": "",
                "limit": 10,
                "as_of": t1,
            },
        ),
        "trending_now (top 10)": ("trending_now", {"platform": "", "limit": 10, "as_of": t1}),
        "platform_breakdown": (
            "platform_breakdown",
            {"win": "24 hours", "platform": "", "limit": 10, "as_of": t1},
        ),
        "trending_series": ("trending_series", {"platform": "", "limit": 10, "as_of": t1}),
        "freshness": ("freshness", {"as_of": t1}),
        "article_series (one)": ("article_series", {"article_id": ids[0]}),
        "article_timeline (one)": ("article_timeline", {"article_id": ids[0], "metric": "interactions"}),
        "article_hourly (one)": ("article_hourly", {"article_id": ids[0], "metric": "interactions"}),
        "article_expected (one)": ("article_expected", {"article_id": ids[0], "until": None, "as_of": t1}),
    }
    run_a, run_b = _runner(a, args.a_sql), _runner(b, args.b_sql)
    load_before = os.getloadavg()[0]
    print(f"{'query':<26} {'A ms':>9} {'B ms':>9} {'A/B':>7} {'A cpu ms':>9} {'B cpu ms':>9} {'A/B cpu':>8}")
    for name, (query, params) in cases.items():
        if args.only is not None and not any(name.startswith(prefix) for prefix in args.only):
            continue
        times: dict[str, list[float]] = {"a": [], "b": []}
        cpu: dict[str, list[float]] = {"a": [], "b": []}
        run_a(query, params)  # warm both
        run_b(query, params)
        for _ in range(args.repeat):
            for side, run in (("a", run_a), ("b", run_b)):
                started, cpu_started = time.perf_counter(), time.process_time()
                run(query, params)
                times[side].append((time.perf_counter() - started) * 1000)
                cpu[side].append((time.process_time() - cpu_started) * 1000)
        ma, mb = statistics.median(times["a"]), statistics.median(times["b"])
        ca, cb = statistics.median(cpu["a"]), statistics.median(cpu["b"])
        print(
            f"{name:<26} {ma:9.1f} {mb:9.1f} {ma / mb:6.2f}x {ca:9.1f} {cb:9.1f} {ca / cb:7.2f}x", flush=True
        )
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"median of {args.repeat}, interleaved; load average {load_before:.1f} before, {load} after")


if __name__ == "__main__":
    main()
