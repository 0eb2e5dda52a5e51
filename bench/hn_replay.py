"""Replay real Hacker News front-page history (../shared/data/hn_frontpage_history) through the
product's write path into a DuckDB store, then ask the product's own `trending()` macro, every
hour, which stories are spreading, and score it against what happened next.

Each story becomes an article with one hackernews item; every snapshot a sample (points ->
score, comments) plus the front-page rank as a gauge. At each hourly `as_of` we compare the
stories' trending scores (points gained in the last hour) with the points they gain in the next
six hours: Spearman rho over the stories on the front page then, and precision@10 against the
true top 10. Baselines: the front-page rank itself, and the current total score. These figures
are the bar the later trending refinement has to clear.

    python bench/hn_replay.py [--days 14] [--data ../shared/data/hn_frontpage_history]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

from tracker import timeseries
from tracker.collector import Sample
from tracker.store import Store

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "hn_frontpage_history"


def load(store: Store, snapshots: pl.DataFrame, items: pl.DataFrame) -> int:
    """Articles and items in bulk, then every snapshot through timeseries.write (the product path)."""
    stories = items.select(
        "item_id",
        "title",
        "first_seen",
        url=pl.format("https://news.ycombinator.com/item?id={}", "item_id"),
    )
    with store.transaction() as cur:
        cur.register("_stories", stories.to_arrow())
        cur.execute("""insert into tracked_articles (url, title, site, published_at, discovered_at, source)
                       select url, title, 'news.ycombinator.com', first_seen, first_seen, 'bench' from _stories""")
        cur.execute("""insert into items (platform, item_key, url, article_id, created_at, tracked_at, next_due_at)
                       select 'hackernews', s.item_id::varchar, s.url, a.article_id, s.first_seen, s.first_seen,
                              s.first_seen
                       from _stories s join tracked_articles a on a.url = s.url""")
        cur.unregister("_stories")
    written = 0
    for (observed_at,), snap in snapshots.group_by(["observed_at"], maintain_order=True):
        batch = [
            Sample(
                "hackernews",
                str(r["item_id"]),
                observed_at,
                {k: v for k, v in (("score", r["points"]), ("comments", r["comments"])) if v is not None},
                {"rank": float(r["rank"])},
            )
            for r in snap.iter_rows(named=True)
        ]
        written += timeseries.write(store, batch)
    return written


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = pl.Series(a).rank().to_list(), pl.Series(b).rank().to_list()
    if len(set(ra)) < 2 or len(set(rb)) < 2:
        return float("nan")
    return float(pl.DataFrame({"a": ra, "b": rb}).select(pl.corr("a", "b")).item())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=14.0)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--horizon-h", type=float, default=6.0)
    args = parser.parse_args()
    snapshots = pl.read_parquet(args.data / "snapshots.parquet")
    start = snapshots["observed_at"].min()
    end = start + timedelta(days=args.days)
    window = snapshots.filter(pl.col("observed_at") < end + timedelta(hours=args.horizon_h))
    items = pl.read_parquet(args.data / "items.parquet").filter(
        pl.col("item_id").is_in(window["item_id"].unique().to_list())
    )

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "hn.duckdb")
        started = time.perf_counter()
        written = load(store, window, items)
        load_s = time.perf_counter() - started
        print(
            f"replayed {window['observed_at'].n_unique():,} snapshots of {len(items):,} stories: "
            f"{written:,} count samples in {load_s:.1f} s ({written / load_s:,.0f}/s through timeseries.write)"
        )

        points = window.select("observed_at", "item_id", "points").drop_nulls()
        rhos: dict[str, list[float]] = {"trending()": [], "front-page rank": [], "current score": []}
        precision: dict[str, list[float]] = {k: [] for k in rhos}
        latencies = []
        as_of = start + timedelta(hours=3)
        while as_of <= end:
            t0 = time.perf_counter()
            trend = store.df("select url, interactions from trending(as_of := $t)", {"t": as_of})
            latencies.append((time.perf_counter() - t0) * 1000)
            front = window.filter(pl.col("observed_at") <= as_of).filter(
                pl.col("observed_at") == pl.col("observed_at").max()
            )
            future = points.filter(
                (pl.col("observed_at") > as_of)
                & (pl.col("observed_at") <= as_of + timedelta(hours=args.horizon_h))
            )
            gain = (
                future.group_by("item_id")
                .agg(pl.col("points").max().alias("later"))
                .join(front.select("item_id", "points", "rank"), on="item_id")
                .with_columns(gained=(pl.col("later") - pl.col("points")).clip(lower_bound=0))
            )
            trend = trend.with_columns(item_id=pl.col("url").str.extract(r"id=(\d+)").cast(pl.Int64))
            scored = gain.join(trend.select("item_id", "interactions"), on="item_id", how="left").fill_null(0)
            if scored.height >= 10:
                truth = set(scored.sort("gained", descending=True).head(10)["item_id"].to_list())
                predictors = {
                    "trending()": scored["interactions"].cast(pl.Float64).to_list(),
                    "front-page rank": (-scored["rank"].cast(pl.Float64)).to_list(),
                    "current score": scored["points"].cast(pl.Float64).to_list(),
                }
                for name, predicted in predictors.items():
                    rho = spearman(predicted, scored["gained"].cast(pl.Float64).to_list())
                    if rho == rho:
                        rhos[name].append(rho)
                    top = scored.with_columns(p=pl.Series(predicted)).sort("p", descending=True).head(10)
                    precision[name].append(len(truth & set(top["item_id"].to_list())) / 10)
            as_of += timedelta(hours=1)
        print(
            f"evaluated at {len(latencies)} hourly points; trending() median {statistics.median(latencies):.0f} ms, "
            f"p95 {sorted(latencies)[int(0.95 * len(latencies))]:.0f} ms"
        )
        print(f"predicting points gained in the next {args.horizon_h:g} h by the stories on the front page:")
        for name in rhos:
            print(
                f"  {name:<16} Spearman rho {statistics.median(rhos[name]):.3f} (median)   "
                f"precision@10 {statistics.mean(precision[name]):.2f}"
            )
        store.close()


if __name__ == "__main__":
    main()
