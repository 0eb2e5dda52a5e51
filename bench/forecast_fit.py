"""How long the daemon's forecast refit takes on the store sizes it sees: a real DuckDB file
holding N finished Hacker News stories of one site (points sampled every 30 min for a day, then
every 6 h to 8 days, front-page ranks while on the page) and 50 young ones. Times one
`tracker.forecast.fit.run` (load, features, every candidate model for both targets, write)
and the model races inside it, and says which learner won, so the cost of the learners is
measured where it is paid.

    .venv/bin/python bench/forecast_fit.py [--stories 300 1000 3000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.config import ForecastConfig
from tracker.forecast import fit
from tracker.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
AGES_H = [0.5 * k for k in range(49)] + [24.0 + 6 * k for k in range(1, 25)]


def fill(store: Store, finished: int, young: int, rng: np.random.Generator) -> None:
    """Stories whose points follow a power law that stops when they leave the page."""
    n = finished + young
    born = [
        NOW - timedelta(days=9 + 30 * k / n) if k < finished else NOW - timedelta(hours=2) for k in range(n)
    ]
    scale = rng.lognormal(3.0, 1.0, n)
    stay = rng.lognormal(1.5, 0.7, n)  # hours on the front page
    articles = pl.DataFrame(
        {
            "article_id": range(n),
            "url": [f"https://news.example.com/s-{k}" for k in range(n)],
            "title": [f"Story {k}" for k in range(n)],
            "site": "news.example.com",
            "published_at": born,
            "discovered_at": born,
            "source": "manual",
        }
    )
    items = articles.select(
        item_id=pl.col("article_id"),
        platform=pl.lit("hackernews"),
        item_key=pl.col("article_id").cast(pl.String),
        url="url",
        article_id="article_id",
        created_at="published_at",
        tracked_at="published_at",
        next_due_at="published_at",
    )
    samples, gauges = [], []
    for k in range(n):
        for a in AGES_H:
            ts = born[k] + timedelta(hours=a)
            if ts > NOW:
                break
            samples.append((k, "score", ts, float(round(scale[k] * min(a, stay[k]) ** 0.6 + 1))))
            if a <= stay[k]:
                gauges.append((k, "rank", ts, float(min(30, 1 + a / stay[k] * 29))))
    cols = ["item_id", "metric", "ts", "value"]
    frames = {
        "tracked_articles": articles,
        "items": items,
        "samples": pl.DataFrame(samples, schema=cols, orient="row"),
        "gauges": pl.DataFrame(gauges, schema=["item_id", "gauge", "ts", "value"], orient="row"),
    }
    with store.transaction() as cur:
        for table, frame in frames.items():
            cur.register("_rows", frame.to_arrow())
            cur.execute(f"insert into {table} by name select * from _rows")
            cur.unregister("_rows")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, nargs="+", default=[300, 1000, 3000])
    args = parser.parse_args()
    print(f"{'finished stories':>16} {'refit s':>8} {'races s':>8}  models chosen")
    for finished in args.stories:
        with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "f.duckdb") as store:
            fill(store, finished, 50, np.random.default_rng(finished))
            started = time.perf_counter()
            report = fit.run(store, ForecastConfig(), NOW)
            took = time.perf_counter() - started
            chosen = store.df("select distinct model from forecasts order by model")["model"].to_list()
        print(
            f"{finished:>16} {took:>8.1f} {report.fit_s:>8.1f}  {', '.join(chosen)} ({report.fitted} fitted)",
            flush=True,
        )
    print("refit s: one whole refit (read, features, races, write); races s: the model races alone.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
