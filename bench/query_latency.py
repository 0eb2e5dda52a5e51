"""Query latency of the public SQL interface on a realistic store: articles with several
platform items each, sampled every 10 minutes over two days. Prints the median of repeated
runs for each query the dashboards and the site's Most Popular box use.

    python bench/query_latency.py [--articles 2000] [--items-per-article 4] [--samples 288]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

from tracker import timeseries
from tracker.metrics import interactions
from tracker.store import Store


def build(store: Store, articles: int, per_article: int, samples: int, now: datetime) -> int:
    with store.transaction() as cur:
        cur.execute(
            """insert into tracked_articles (url, title, site, published_at, discovered_at, source)
               select 'https://news.example.com/a/' || i || '/', 'Article ' || i, 'news.example.com',
                      ?::timestamptz - interval 2 day, ?::timestamptz - interval 2 day, 'bench'
               from range(?) t(i)""",
            [now, now, articles],
        )
        cur.execute(
            """insert into items (platform, item_key, article_id, created_at, tracked_at, next_due_at)
               select (['reddit','bluesky','hackernews','facebook'])[1 + (j % 4)], a.article_id || '-' || j,
                      a.article_id, a.published_at, a.discovered_at, ?
               from tracked_articles a, range(?) t(j)""",
            [now, per_article],
        )
        timeseries.write_counts(  # the write path keeps prev_ts/prev_value and series_latest
            cur,
            """select i.item_id, m.metric, ?::timestamptz - to_minutes(10 * (? - k)) as ts,
                      (k * (1 + i.item_id % 17) * m.w)::bigint as value
               from items i, range(?) t(k),
                    (values ('likes', 3), ('reposts', 1), ('comments', 1)) m(metric, w)""",
            [now, samples, samples],
        )
    return int(store.scalar("select count(*) from samples"))


def timed(store: Store, sql: str, params: dict | None, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        store.df(sql, params)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--items-per-article", type=int, default=4)
    parser.add_argument("--samples", type=int, default=288)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.duckdb")
        started = time.perf_counter()
        n = build(store, args.articles, args.items_per_article, args.samples, now)
        print(
            f"store: {args.articles:,} articles, {args.articles * args.items_per_article:,} items, "
            f"{n:,} samples (built in {time.perf_counter() - started:.1f} s)"
        )
        p = {"t": now}
        queries = {
            "most_popular(24 h) top 10": (
                "select * from most_popular(interval 24 hour, as_of := $t) limit 10",
                p,
            ),
            "most_popular(1 h) on reddit": (
                "select * from most_popular(interval 1 hour, as_of := $t, on_platform := 'reddit') limit 10",
                p,
            ),
            "trending() top 10": ("select * from trending(as_of := $t) limit 10", p),
            "engagement of one article": ("select * from engagement where article_id = 42", None),
            "latest_engagement, all": ("select count(*) from latest_engagement", None),
            "canned most_popular (API)": (None, None),
            # is_interaction reads the catalog table (DuckDB plans it as one hash join); the
            # alternative, the catalog's names written out as a literal list, is measured beside it.
            "interactions, is_interaction()": (
                "select item_id, sum(value) filter (where is_interaction(metric)) from samples group by 1",
                None,
            ),
            "interactions, literal list": (
                "select item_id, sum(value) filter (where metric in "
                f"({', '.join(repr(m) for m in sorted(interactions()))})) from samples group by 1",
                None,
            ),
            "weighted, metric_weight()": (
                "select item_id, sum(value * metric_weight(metric)) from samples group by 1",
                None,
            ),
        }
        for label, (sql, params) in queries.items():
            if sql is None:
                runs = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    store.named("most_popular", win="24 hours", platform="", limit=10, as_of=now)
                    runs.append(time.perf_counter() - started)
                ms = statistics.median(runs) * 1000
            else:
                ms = timed(store, sql, params, args.repeat)
            print(f"{label:<32} {ms:8.1f} ms (median of {args.repeat})")
        store.close()


if __name__ == "__main__":
    main()
