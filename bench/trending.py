"""How well does `trending()` predict what rises next? Evaluated on the whole Hacker News
front-page history (../shared/data/hn_frontpage_history, Nov 2020 - Nov 2022, ~17,700 hours).

The history goes into a DuckDB file through the product's write path (`timeseries.write`, via
bench/hn_replay.py). At each hourly moment t, the stories on the front page then are scored and
compared with the points each gains over the next hour and the next 6 hours (interpolated at
t + h between the samples around it): the median over moments of Spearman's rho, and
precision@10 (overlap of the top 10 by score with the top 10 by gain).

The score is computed two ways from the same constants (the analytics_settings table):
 - in SQL, by the product's own `trending(as_of := t)` macro, at every --sql-every'th moment;
 - in Polars (a vectorised mirror of the macro) at every moment, so the whole history is cheap.
The run prints how far the two disagree on the shared moments (they must agree) and the simple
scores the issue quotes beside ours, all measured in this same run.

    python bench/trending.py [--sql-every 1] [--db /tmp/hn.duckdb] [--data DIR]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

from tracker import timeseries
from tracker.collector import Sample
from tracker.store import Store

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "hn_frontpage_history"
# Figures the issue quotes for the simple scores (next hour / next 6 hours), for reference.
QUOTED = {
    "gained last hour (old trending())": (0.717, 0.671),
    "HN rank": (0.601, 0.687),
    "gain / (age + 2)^0.5": (0.744, 0.713),
    "rank-average of that and HN rank": (0.743, 0.776),
}
# The ages (hours) at which the settings give the decay and the velocity weights (93_age_decay.sql).
DECAY_AGES = (0, 1, 2, 3, 4, 6, 8, 10, 12, 15, 18, 24)
WEIGHT_AGES = (0, 3, 12)
DEV_SHARE = 0.7  # the trending exponents were fitted on this first share of the moments


@dataclass(frozen=True)
class Moments:
    live: pl.DataFrame  # one row per (t, item_id) on the front page at t, with targets
    samples: pl.DataFrame  # long counts: item_id, metric, ts, value


def load(store: Store, snapshots: pl.DataFrame, items: pl.DataFrame, batch_snapshots: int = 2000) -> int:
    """Articles and items in bulk, then the snapshots through timeseries.write (the product's
    write path), many snapshots per call: one call per snapshot spends its time in transactions."""
    stories = items.select(
        "item_id", "title", "first_seen", url=pl.format("https://news.ycombinator.com/item?id={}", "item_id")
    )
    with store.transaction() as cur:
        cur.register("_stories", stories.to_arrow())
        cur.execute(
            """insert into tracked_articles (url, title, site, published_at, discovered_at, source)
               select url, title, 'news.ycombinator.com', first_seen, first_seen, 'bench' from _stories"""
        )
        cur.execute(
            """insert into items (platform, item_key, url, article_id, created_at, tracked_at, next_due_at)
               select 'hackernews', s.item_id::varchar, s.url, a.article_id, s.first_seen, s.first_seen, s.first_seen
               from _stories s join tracked_articles a on a.url = s.url"""
        )
        cur.unregister("_stories")
    snapshots = snapshots.sort("observed_at").with_columns(
        chunk=pl.col("observed_at").rank("dense") // batch_snapshots
    )
    written = 0
    for (_,), part in snapshots.group_by(["chunk"], maintain_order=True):
        batch = [
            Sample(
                "hackernews",
                str(item_id),
                observed_at,
                {k: v for k, v in (("score", points), ("comments", comments)) if v is not None},
                {"rank": float(rank)},
            )
            for item_id, observed_at, points, comments, rank in part.select(
                "item_id", "observed_at", "points", "comments", "rank"
            ).iter_rows()
        ]
        written += timeseries.write(store, batch)
    return written


def read_snapshots(data: Path) -> pl.DataFrame:
    """The snapshots, with a story's missing comment count read as 0: HN shows "discuss" instead
    of "0 comments" (its API reports descendants 0), so the count is known to be zero. Rows
    without points (job posts) keep their nulls and are not written."""
    snaps = pl.read_parquet(data / "snapshots.parquet")
    return snaps.with_columns(
        comments=pl.when(pl.col("points").is_not_null()).then(pl.col("comments").fill_null(0))
    )


def open_store(db: Path | None, data: Path, tmp: Path) -> Store:
    """The HN history in a DuckDB file, loaded through timeseries.write once and reused."""
    path = db or tmp / "hn.duckdb"
    fresh = not path.exists()
    store = Store.open(path)
    if fresh:
        snapshots = read_snapshots(data)
        items = pl.read_parquet(data / "items.parquet")
        started = time.perf_counter()
        written = load(store, snapshots, items)
        took = time.perf_counter() - started
        print(
            f"loaded {written:,} count samples in {took:.0f} s through timeseries.write ({written / took:,.0f}/s)"
        )
        store.checkpoint()
    return store


def interpolate(queries: pl.DataFrame, samples: pl.DataFrame, at: str, lookback: timedelta) -> pl.DataFrame:
    """Value of each (item, metric) at queries[at], as 70_item_gains.sql: on the line between
    the last sample at or before and the first after; flat after the last sample; no sample
    before within `lookback` -> 0 if born at or after `at`, else on the line from (born, 0)."""
    q = queries.sort(at)
    s = samples.sort("ts")
    before = q.join_asof(
        s.rename({"ts": "b_ts", "value": "b_v"}),
        left_on=at,
        right_on="b_ts",
        by=["item_id", "metric"],
        strategy="backward",
        tolerance=lookback,
        check_sortedness=False,
    )
    after = q.join_asof(
        s.rename({"ts": "a_ts", "value": "a_v"}),
        left_on=at,
        right_on="a_ts",
        by=["item_id", "metric"],
        strategy="forward",
        allow_exact_matches=False,
        check_sortedness=False,
    )
    joined = before.with_columns(after.select("a_ts", "a_v"))
    secs = lambda a, b: (pl.col(a) - pl.col(b)).dt.total_microseconds() / 1e6  # noqa: E731
    value = (
        pl.when(pl.col("b_v").is_not_null() & pl.col("a_v").is_not_null())
        .then(pl.col("b_v") + (pl.col("a_v") - pl.col("b_v")) * secs(at, "b_ts") / secs("a_ts", "b_ts"))
        .when(pl.col("b_v").is_not_null())
        .then(pl.col("b_v"))
        .when(pl.col("born") >= pl.col(at))
        .then(0.0)
        .otherwise(pl.col("a_v") * secs(at, "born") / pl.max_horizontal(secs("a_ts", "born"), pl.lit(1.0)))
    )
    return joined.with_columns(value.alias(f"v_{at}")).drop("b_ts", "b_v", "a_ts", "a_v")


def build_moments(data: Path) -> Moments:
    snaps = read_snapshots(data).sort("observed_at")
    items = pl.read_parquet(data / "items.parquet").select("item_id", born="first_seen")
    unit = snaps["observed_at"].dtype.time_unit  # type: ignore[attr-defined]
    samples = (
        snaps.unpivot(["points", "comments"], index=["item_id", "observed_at"], variable_name="metric")
        .drop_nulls("value")
        .select("item_id", "metric", ts="observed_at", value=pl.col("value").cast(pl.Float64))
    )
    start = snaps["observed_at"].min().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)  # type: ignore[union-attr]
    end = snaps["observed_at"].max() - timedelta(hours=6)  # type: ignore[operator]
    moments = pl.DataFrame(
        {"t": pl.datetime_range(start, end, "1h", eager=True, time_zone="UTC")}
    ).with_columns(pl.col("t").dt.cast_time_unit(unit))
    times = snaps.select(snap="observed_at").unique().sort("snap")
    live = (
        moments.join_asof(times, left_on="t", right_on="snap", strategy="backward")
        .join(snaps.rename({"observed_at": "snap"}), on="snap")
        .join(items, on="item_id")
        .drop_nulls("points")
        .with_columns(age=(pl.col("t") - pl.col("born")).dt.total_seconds() / 3600)
    )
    # Targets: points gained over the next 1 and 6 hours (interpolated at t + h).
    points = samples.filter(pl.col("metric") == "points")
    for h in (1, 6):
        q = live.select("t", "item_id", "born", metric=pl.lit("points"), at=pl.col("t") + timedelta(hours=h))
        later = interpolate(q, points, "at", timedelta(days=3650)).select("t", "item_id", later="v_at")
        live = (
            live.join(later, on=["t", "item_id"])
            .with_columns((pl.col("later") - pl.col("points")).clip(lower_bound=0).alias(f"gain_{h}h"))
            .drop("later")
        )
    # The old trending(): points now minus the last sample at or before t - 1 h (all of it if born since).
    q = live.select(
        "t", "item_id", "born", metric=pl.lit("points"), at=pl.col("t") - timedelta(hours=1)
    ).sort("at")
    prior = q.join_asof(
        points.sort("ts"),
        left_on="at",
        right_on="ts",
        by=["item_id", "metric"],
        strategy="backward",
        check_sortedness=False,
    ).select("t", "item_id", prior="value")
    live = live.join(prior, on=["t", "item_id"]).with_columns(
        gained_1h=(pl.col("points") - pl.col("prior").fill_null(0)).clip(lower_bound=0)
    )
    return Moments(live, samples)


def piecewise_linear(x: pl.Expr, knots: tuple[int, ...], values: list[float]) -> pl.Expr:
    """On straight lines between (knots[i], values[i]), held after the last knot: as the CASE
    chains of sql/macros/93_age_decay.sql (x is never below the first knot, 0)."""
    expr = pl.lit(values[-1])
    for i in range(len(knots) - 2, -1, -1):
        x0, x1, y0, y1 = knots[i], knots[i + 1], values[i], values[i + 1]
        expr = pl.when(x < x1).then(y0 + (y1 - y0) * (x - x0) / (x1 - x0)).otherwise(expr)
    return expr


def polars_trending(m: Moments, c: dict[str, float], gauges: pl.DataFrame) -> pl.DataFrame:
    """The trending score of 95_trending.sql for every live (t, item), vectorised."""
    lookback = timedelta(hours=c["lookback_hours"])
    short, long = timedelta(minutes=c["short_span_minutes"]), timedelta(hours=c["long_span_hours"])
    mid = timedelta(hours=c["mid_span_hours"])
    keys = m.live.select("t", "item_id", "born").join(
        pl.DataFrame({"metric": ["points", "comments"]}), how="cross"
    )
    s = m.samples
    # The value now is the last sample at or before t, never a later one (as the SQL sees it).
    v = (
        keys.with_columns(at=pl.col("t"))
        .sort("at")
        .join_asof(
            s.sort("ts"),
            left_on="at",
            right_on="ts",
            by=["item_id", "metric"],
            strategy="backward",
            check_sortedness=False,
        )
        .filter(pl.col("value").is_not_null())
        .select("t", "item_id", "metric", "born", last_ts="ts", end="value")
    )
    cols = ["t", "item_id", "metric"]
    for name, span in (("short", short), ("mid", mid), ("long", long)):
        start = interpolate(keys.with_columns(at=pl.col("t") - span), s, "at", lookback).select(
            *cols, v_at="v_at"
        )
        v = v.join(start.rename({"v_at": f"start_{name}"}), on=cols)
        listed = pl.col("last_ts") > pl.col("t") - span
        v = v.with_columns(
            pl.when(listed)
            .then((pl.col("end") - pl.col(f"start_{name}")).clip(lower_bound=0))
            .otherwise(None)
            .alias(f"gain_{name}")
        )
    per_item = (
        v.filter(pl.col("gain_long").is_not_null())
        .group_by("t", "item_id")
        .agg(
            short=pl.col("gain_short").fill_null(0).sum(),
            mid=pl.col("gain_mid").fill_null(0).sum(),
            long=pl.col("gain_long").sum(),
            size=pl.col("end").sum(),
            # None when the story has no comment count (HN showed "discuss"): factor 1, as in SQL
            discussion=pl.when((pl.col("metric") == "comments").any()).then(
                pl.col("end").filter(pl.col("metric") == "comments").sum()
            ),
            age=((pl.col("t") - pl.col("born")).dt.total_seconds() / 3600).first().clip(lower_bound=0),
        )
    )
    g = gauges.sort("ts")
    ranks = per_item.select("t", "item_id")
    lags = (("rank", 0), ("rank_before", 1), ("rank_before_2h", 2))
    for name, lag in ((name, timedelta(hours=hours)) for name, hours in lags):
        # The latest rank in the hour before t - lag, as the SQL reads its gauges.
        at = ranks.select("t", "item_id", at=pl.col("t") - lag).sort("at")
        found = at.join_asof(
            g, left_on="at", right_on="ts", by="item_id", strategy="backward", check_sortedness=False
        ).select(
            "t", "item_id", pl.when(pl.col("ts") > pl.col("at") - timedelta(hours=1)).then("rank").alias(name)
        )
        ranks = ranks.join(found, on=["t", "item_id"], how="left")
    age = pl.col("age")
    log_decay = piecewise_linear(age, DECAY_AGES, [math.log(c[f"decay_{h}h"]) for h in DECAY_AGES])
    short_weight, mid_weight, long_weight, size_weight, rank_weight, rank_slope = (
        piecewise_linear(age, WEIGHT_AGES, [c[f"{name}_{h}h"] for h in WEIGHT_AGES])
        for name in ("short_weight", "mid_weight", "long_weight", "size_weight", "rank_weight", "rank_slope")
    )
    rank = pl.col("rank").clip(lower_bound=1)
    before = pl.col("rank_before").fill_null(c["rank_entry"]).clip(lower_bound=1)
    before_2h = pl.col("rank_before_2h").fill_null(c["rank_entry"]).clip(lower_bound=1)
    rank_factor = (
        (c["rank_reference"] / rank).pow(rank_weight)
        * (-rank_slope * (rank - c["rank_reference"]) / c["rank_reference"]).exp()
        * (before / rank).pow(c["rank_change_weight"])
        * (before_2h / rank).pow(c["rank_change_2h_weight"])
    ).fill_null(1.0)
    return per_item.join(ranks, on=["t", "item_id"], how="left").select(
        "t",
        "item_id",
        "short",
        "mid",
        "long",
        "size",
        "age",
        "rank",
        score=(pl.col("short") * 60 / c["short_span_minutes"] + 1).pow(short_weight)
        * (pl.col("mid") / c["mid_span_hours"] + 1).pow(mid_weight)
        * (pl.col("long") / c["long_span_hours"] + 1).pow(long_weight)
        * (pl.col("size") + 1).pow(size_weight)
        * log_decay.exp()
        * rank_factor
        * ((pl.col("discussion") + 1) / (pl.col("size") - pl.col("discussion") + 1))
        .pow(c["discussion_weight"])
        .fill_null(1.0),
    )


def evaluate(live: pl.DataFrame, score: pl.Expr) -> tuple[float, float, float, float, int]:
    """(rho next hour, rho next 6 h, precision@10 next hour, next 6 h, moments evaluated)."""
    d = live.select("t", "gain_1h", "gain_6h", s=score.fill_null(-1e300).cast(pl.Float64))
    out = []
    for target in ("gain_1h", "gain_6h"):
        r = (
            d.with_columns(
                rs=pl.col("s").rank().over("t"),
                ry=pl.col(target).rank().over("t"),
                top_s=pl.col("s").rank("ordinal", descending=True).over("t") <= 10,
                top_y=pl.col(target).rank("ordinal", descending=True).over("t") <= 10,
            )
            .group_by("t")
            .agg(rho=pl.corr("rs", "ry"), n=pl.len(), hit=(pl.col("top_s") & pl.col("top_y")).sum() / 10)
        )
        r = r.filter((pl.col("n") >= 10) & pl.col("rho").is_not_nan())
        out.append((float(r["rho"].median()), float(r["hit"].mean()), r.height))  # type: ignore[arg-type]
    return out[0][0], out[1][0], out[0][1], out[1][1], out[0][2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--db", type=Path, default=None, help="reuse (or create) this DuckDB file")
    parser.add_argument("--sql-every", type=int, default=1, help="run the SQL macro at every Nth moment")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(args.db, args.data, Path(tmp))
        constants = {
            str(k): float(v) for k, v in store.df("select name, value from analytics_settings").iter_rows()
        }
        m = build_moments(args.data)
        gauges = pl.read_parquet(args.data / "snapshots.parquet").select(
            "item_id", ts="observed_at", rank=pl.col("rank").cast(pl.Float64)
        )
        ours = polars_trending(m, constants, gauges)
        live = m.live.join(ours, on=["t", "item_id"], how="left")

        # The product's SQL at every Nth moment: same scores?
        moments = live["t"].unique().sort()[:: args.sql_every]
        sql_rows, latencies = [], []
        for t in moments:
            started = time.perf_counter()
            frame = store.df("select url, score from trending(as_of := $t)", {"t": t})
            latencies.append(time.perf_counter() - started)
            sql_rows.append(frame.with_columns(t=pl.lit(t)))
        sql = (
            pl.concat(sql_rows)
            .select("t", item_id=pl.col("url").str.extract(r"id=(\d+)").cast(pl.Int64), sql_score="score")
            .with_columns(pl.col("t").cast(live["t"].dtype))
        )
        shared = live.filter(pl.col("t").is_in(moments.implode())).join(sql, on=["t", "item_id"], how="left")
        both = shared.filter(pl.col("score").is_not_null() | pl.col("sql_score").is_not_null())
        worst = both.select(
            ((pl.col("score") - pl.col("sql_score")).abs() / pl.col("score").abs()).max()
        ).item()
        missing = both.filter(pl.col("score").is_null() != pl.col("sql_score").is_null()).height
        latencies.sort()
        print(
            f"SQL trending() at {len(moments):,} moments: median {latencies[len(latencies) // 2] * 1000:.0f} ms; "
            f"largest relative difference from the Polars mirror {worst:.2e}, rows scored by only one: {missing}"
        )

        age_pen = pl.col("gained_1h") / (pl.col("age") + 2).pow(0.5)
        rows = {
            "gained last hour (old trending())": pl.col("gained_1h"),
            "HN rank": -pl.col("rank").cast(pl.Float64),
            "gain / (age + 2)^0.5": age_pen,
            "rank-average of that and HN rank": age_pen.rank().over("t") + (-pl.col("rank")).rank().over("t"),
        }
        print(f"\n{'score':<36} {'rho 1h':>7} {'rho 6h':>7} {'p@10 1h':>8} {'p@10 6h':>8}   issue quotes")
        for name, expr in rows.items():
            r1, r6, p1, p6, n = evaluate(live, expr)
            q1, q6 = QUOTED[name]
            print(f"{name:<36} {r1:7.3f} {r6:7.3f} {p1:8.2f} {p6:8.2f}   {q1:.3f} / {q6:.3f}")
        r1, r6, p1, p6, n = evaluate(live, pl.col("score"))
        print(
            f"{'trending() (Polars mirror, all)':<36} {r1:7.3f} {r6:7.3f} {p1:8.2f} {p6:8.2f}   target >= 0.78 / 0.80"
        )
        # The exponents were fitted on the first 70% of the moments: the rest is held out.
        cut = live["t"].unique().sort()[int(live["t"].n_unique() * DEV_SHARE)]
        for label, part, when in (
            ("  first 70% (fitted on)", live.filter(pl.col("t") < cut), "before"),
            ("  last 30% (held out)", live.filter(pl.col("t") >= cut), "from"),
        ):
            r1, r6, p1, p6, k = evaluate(part, pl.col("score"))
            print(
                f"{label:<36} {r1:7.3f} {r6:7.3f} {p1:8.2f} {p6:8.2f}   ({k:,} moments {when} {cut:%Y-%m-%d %H:%M})"
            )
        points_only = polars_trending(
            Moments(m.live, m.samples.filter(pl.col("metric") == "points")), constants, gauges
        ).select("t", "item_id", points_score="score")
        r1, r6, p1, p6, _ = evaluate(
            live.join(points_only, on=["t", "item_id"], how="left"), pl.col("points_score")
        )
        print(f"{'  same, comments weighted 0':<36} {r1:7.3f} {r6:7.3f} {p1:8.2f} {p6:8.2f}")
        # A platform without a rank signal: no rank gauges, so the rank factor is 1 everywhere.
        unranked = polars_trending(m, constants, gauges.clear()).select(
            "t", "item_id", unranked_score="score"
        )
        r1, r6, p1, p6, _ = evaluate(
            live.join(unranked, on=["t", "item_id"], how="left"), pl.col("unranked_score")
        )
        print(f"{'  same, without HN rank (factor 1)':<36} {r1:7.3f} {r6:7.3f} {p1:8.2f} {p6:8.2f}")
        r1, r6, p1, p6, k = evaluate(shared, pl.col("sql_score"))
        print(f"{'trending() (SQL macro)':<36} {r1:7.3f} {r6:7.3f} {p1:8.2f} {p6:8.2f}   ({k:,} moments)")
        print(f"({n:,} hourly moments with at least 10 live stories)")
        store.close()


if __name__ == "__main__":
    main()
