"""Query latency on a realistic store: 100,000 articles x 3 platforms over 30 days (30 M count
rows by default), built through the product's write path (`timeseries.write_frames`, in time
order, 100 k-row batches), against SQLite with indexes on the same rows, in one run.

Each article is shared once on Reddit (score, comments), Bluesky (likes, reposts) and X (likes,
views); each item is sampled 50 times over its first 14 days, densely at first (the adaptive
cadence), and its counts follow a saturating curve with log-normal totals. Prints the median of
5 runs for the rankings, the dashboards' named queries and the per-article reads, with the
ratio SQLite / DuckDB.

    python bench/queries.py [--rows 30000000] [--db /tmp/q30m.duckdb] [--skip-sqlite]
                            [--history-days 30] [--age-marks]

Besides the rankings it times every named query the dashboards run on page load (dashboards/data.py:
ranking, ranking_inputs, trending_now, trending_rising, ranking_sparklines, trending_series,
freshness, health, facets, platforms, the article page's queries) and platform_breakdown.
`--age-marks` first fills `age_marks` as the daemon's job would (tracker.age_marks.refresh at the
newest sample), so the rankings' expected curves (overperformance) read a realistic table; without
it `age_marks` is empty and that part of every ranking costs nothing.

`--history-days D` keeps only the samples of the last D days (the same articles, the same rows in
every window up to a day): the live set is fixed and only the stored history varies, so
`--history-days 1`, 3, 10 and 30 (about 1 M, 3 M, 10 M and 30 M rows) show whether latency
follows the window or the history.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

from tracker import age_marks, timeseries
from tracker.store import Store

END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PLATFORMS = {"reddit": ("score", "comments"), "bluesky": ("likes", "reposts"), "x": ("likes", "views")}
SAMPLES_PER_ITEM = 50
TRACK_DAYS = 14.0


def synthetic(rows: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(articles, long count rows sorted by time) for about `rows` count rows."""
    rng = np.random.default_rng(seed)
    per_article = len(PLATFORMS) * 2 * SAMPLES_PER_ITEM
    n = max(rows // per_article, 10)
    published = END - pl.Series(rng.uniform(0, 30 * 86400, n)).cast(pl.Int64).map_elements(
        lambda s: timedelta(seconds=s), return_dtype=pl.Duration("us")
    )
    articles = pl.DataFrame({"article": np.arange(n), "published_at": published})
    frames = []
    j = np.arange(SAMPLES_PER_ITEM)
    offsets_s = (TRACK_DAYS * 86400 * (j / SAMPLES_PER_ITEM) ** 2).astype(np.int64) + 60
    for p, (platform, metrics) in enumerate(PLATFORMS.items()):
        total = rng.lognormal(4.0 + p, 1.5, n)
        tau_h = rng.uniform(2, 12, n)
        for m, metric in enumerate(metrics):
            scale = 1.0 if m == 0 else (0.3 if metric != "views" else 40.0)
            frame = pl.DataFrame(
                {
                    "article": np.repeat(np.arange(n), SAMPLES_PER_ITEM),
                    "offset_s": np.tile(offsets_s, n),
                    "total": np.repeat(total * scale, SAMPLES_PER_ITEM),
                    "tau_h": np.repeat(tau_h, SAMPLES_PER_ITEM),
                }
            )
            frames.append(
                frame.join(articles, on="article")
                .with_columns(ts=pl.col("published_at") + pl.duration(seconds=pl.col("offset_s")))
                .filter(pl.col("ts") <= END)
                .select(
                    platform=pl.lit(platform),
                    item_key=pl.col("article").cast(pl.String),
                    name=pl.lit(metric),
                    ts="ts",
                    value=(
                        pl.col("total") * (1 - (-pl.col("offset_s") / 3600 / pl.col("tau_h")).exp())
                    ).floor(),
                )
            )
    counts = pl.concat(frames).sort("ts")
    return articles, counts


def build_duckdb(path: Path, articles: pl.DataFrame, counts: pl.DataFrame, batch: int) -> float:
    """Articles and items in bulk, then counts through timeseries.write_frames; samples/s."""
    with Store.open(path) as store:
        with store.transaction() as cur:
            cur.register("_a", articles.to_arrow())
            cur.execute(
                """insert into tracked_articles (article_id, url, title, site, section, published_at, discovered_at, source)
                   select article + 1, 'https://news.example.com/' || article || '/', 'story ' || article,
                          'news.example.com', ['news', 'sport', 'culture'][article % 3 + 1], published_at, published_at, 'bench'
                   from _a"""
            )
            for platform in PLATFORMS:
                cur.execute(
                    """insert into items (platform, item_key, article_id, created_at, tracked_at, next_due_at)
                       select ?, article::varchar, article + 1, published_at, published_at, published_at from _a""",
                    [platform],
                )
            cur.unregister("_a")
        started = time.perf_counter()
        for offset in range(0, counts.height, batch):
            timeseries.write_frames(store, counts.slice(offset, batch))
        took = time.perf_counter() - started
        store.checkpoint()
    return counts.height / took


def build_sqlite(path: Path, duck: Store) -> None:
    """The same rows in SQLite: a clustered key (item, metric, ts) and an index on ts."""
    con = sqlite3.connect(path)
    con.executescript(
        """create table items (item_id integer primary key, platform text, article_id integer, created_at integer);
           create index items_article on items(article_id);
           create table samples (item_id integer, metric text, ts integer, value integer,
                                 primary key (item_id, metric, ts)) without rowid;"""
    )
    items = duck.df("select item_id, platform, article_id, epoch(created_at)::bigint as c from items")
    con.executemany("insert into items values (?, ?, ?, ?)", items.iter_rows())
    reader = duck.cursor().execute("select item_id, metric, epoch_us(ts), value from samples order by all")
    while rows := reader.fetchmany(500_000):
        con.executemany("insert into samples values (?, ?, ?, ?)", rows)
    con.execute("create index samples_ts on samples(ts)")
    con.commit()
    con.close()


SQLITE_GAINED = """
with ends as (
    select item_id, metric, max(ts) as end_ts from samples where ts > :t0 and ts <= :t1 group by item_id, metric
),
g as (
    select e.item_id, e.metric,
           s.value - coalesce((select b.value from samples b where b.item_id = e.item_id and b.metric = e.metric
                               and b.ts <= :t0 order by b.ts desc limit 1), 0) as gained
    from ends e join samples s on s.item_id = e.item_id and s.metric = e.metric and s.ts = e.end_ts
)
select i.article_id, sum(max(g.gained, 0)) as interactions
from g join items i on i.item_id = g.item_id
where g.metric != 'views'
group by i.article_id order by interactions desc limit 50
"""
SQLITE_LATEST = """
select i.article_id, i.platform, s.metric, sum(s.value)
from items i join samples s on s.item_id = i.item_id
where i.article_id in ({ids})
  and s.ts = (select max(b.ts) from samples b where b.item_id = s.item_id and b.metric = s.metric)
group by 1, 2, 3
"""


def median_ms(run: Callable[[], Any], repeat: int = 5) -> float:
    run()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None, help="reuse (or build) this DuckDB file")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--history-days", type=float, default=30.0, help="keep only the last D days of samples"
    )
    parser.add_argument("--age-marks", action="store_true", help="fill age_marks first (the daemon's job)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "q.duckdb"
        if not path.exists():
            articles, counts = synthetic(args.rows)
            counts = counts.filter(pl.col("ts") > END - timedelta(days=args.history_days))
            rate = build_duckdb(path, articles, counts, args.batch)
            print(
                f"built {counts.height:,} count rows of {articles.height:,} articles: {rate:,.0f} samples/s",
                flush=True,
            )
            del counts
        store = Store.open(path)
        rows = store.scalar("select count(*) from samples")
        t1 = store.scalar("select max(ts) from samples")
        if args.age_marks:
            started = time.perf_counter()
            marks = age_marks.refresh(store, t1)
            total_marks = store.scalar("select count(*) from age_marks")
            print(
                f"age_marks: {marks:,} new rows ({total_marks:,} in all) in {time.perf_counter() - started:.0f} s"
            )
        top = store.df("select article_id from most_popular('24h', as_of := $t) limit 50", {"t": t1})
        ids = top["article_id"].to_list()
        one = ids[0]
        ten = ids[:10]
        duck = {
            "most_popular(24 h)": lambda: store.df(
                "select * from most_popular('24h', as_of := $t)", {"t": t1}
            ),
            "trending()": lambda: store.df("select * from trending(as_of := $t)", {"t": t1}),
            "trending_series": lambda: store.named("trending_series", platform="", limit=10, as_of=t1),
            "freshness": lambda: store.named("freshness", as_of=t1),
            "article_detail": lambda: store.named("article_detail", article_id=one),
            "article_series (one)": lambda: store.named("article_series", article_id=one),
            # the other named queries the dashboards run on page load (dashboards/data.py)
            "ranking (top 10)": lambda: store.named(
                "ranking", win="24 hours", platform="", site="", section="", author="", limit=10, as_of=t1
            ),
            "ranking_inputs (10)": lambda: store.named(
                "ranking_inputs", article_ids=ten, win="24 hours", platform="", as_of=t1
            ),
            "ranking_sparklines (10)": lambda: store.named(
                "ranking_sparklines", article_ids=ten, win="24 hours", step="1 hour", platform="", as_of=t1
            ),
            "trending_now (top 10)": lambda: store.named("trending_now", platform="", limit=10, as_of=t1),
            "trending_rising (10)": lambda: store.named(
                "trending_rising", article_ids=ten, factor=2.0, platform="", as_of=t1
            ),
            "platform_breakdown": lambda: store.named(
                "platform_breakdown", win="24 hours", platform="", limit=10, as_of=t1
            ),
            "health": lambda: store.named("health", as_of=t1),
            "facets": lambda: store.named("facets"),
            "platforms": lambda: store.named("platforms"),
            "article_timeline": lambda: store.named(
                "article_timeline", article_id=one, metric="interactions"
            ),
            "article_hourly": lambda: store.named("article_hourly", article_id=one, metric="interactions"),
            "article_posts": lambda: store.named("article_posts", article_id=one),
            "latest_engagement top 50": lambda: store.df(
                "select * from latest_engagement where article_id in (select unnest($ids))", {"ids": ids}
            ),
        }
        load_before = os.getloadavg()[0]
        figures = {name: median_ms(run) for name, run in duck.items()}
        lite: dict[str, float] = {}
        if not args.skip_sqlite:
            lite_path = Path(tmp) / "q.sqlite"
            build_sqlite(lite_path, store)
            con = sqlite3.connect(lite_path)
            us = int(t1.timestamp() * 1_000_000)
            hour = 3_600_000_000
            placeholders = ",".join(str(i) for i in ids)
            lite = {
                "most_popular(24 h)": median_ms(
                    lambda: con.execute(SQLITE_GAINED, {"t0": us - 24 * hour, "t1": us}).fetchall()
                ),
                "trending()": median_ms(
                    lambda: con.execute(SQLITE_GAINED, {"t0": us - hour, "t1": us}).fetchall()
                ),
                "freshness": median_ms(
                    lambda: con.execute("select max(ts) from samples where ts <= ?", [us]).fetchall()
                ),
                "article_series (one)": median_ms(
                    lambda: con.execute(
                        "select i.platform, s.metric, s.ts, s.value from items i join samples s on s.item_id = i.item_id "
                        "where i.article_id = ? order by 2, 1, 3",
                        [one],
                    ).fetchall()
                ),
                "latest_engagement top 50": median_ms(
                    lambda: con.execute(SQLITE_LATEST.format(ids=placeholders)).fetchall()
                ),
            }
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"\n{rows:,} count rows; median of 5, ms; load average {load_before:.1f} before, {load} after")
        print(f"{'query':<28} {'DuckDB':>9} {'SQLite':>9} {'SQLite/DuckDB':>14}")
        for name, ms in figures.items():
            other = lite.get(name)
            ratio = f"{other / ms:13.1f}x" if other else f"{'-':>14}"
            print(f"{name:<28} {ms:9.1f} {other if other else float('nan'):9.1f} {ratio}")
        store.close()


if __name__ == "__main__":
    main()
