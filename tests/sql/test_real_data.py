"""The metric macros on real data: twelve hours of the Hacker News front page (shared data set)
written through the product's write path; `trending()` must equal the same definition computed
independently in Polars, and `engagement` must reproduce the recorded points."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from tracker import timeseries
from tracker.collector import Sample
from tracker.store import Store


@pytest.fixture(scope="module")
def hn(shared_dir, tmp_path_factory):
    folder = shared_dir / "data" / "hn_frontpage_history"
    snapshots = pl.read_parquet(folder / "snapshots.parquet")
    start = snapshots["observed_at"].min()
    window = snapshots.filter(pl.col("observed_at") < start + timedelta(hours=12))
    items = pl.read_parquet(folder / "items.parquet").filter(
        pl.col("item_id").is_in(window["item_id"].unique().to_list())
    )
    store = Store.open(tmp_path_factory.mktemp("hn") / "hn.duckdb")
    stories = items.select(
        "item_id", "title", "first_seen", url=pl.format("https://news.ycombinator.com/item?id={}", "item_id")
    )
    with store.transaction() as cur:
        cur.register("_stories", stories.to_arrow())
        cur.execute("""insert into tracked_articles (url, title, published_at, discovered_at, source)
                       select url, title, first_seen, first_seen, 'test' from _stories""")
        cur.execute("""insert into items (platform, item_key, article_id, created_at, tracked_at, next_due_at)
                       select 'hackernews', s.item_id::varchar, a.article_id, s.first_seen, s.first_seen, s.first_seen
                       from _stories s join tracked_articles a on a.url = s.url""")
    for (observed_at,), snap in window.group_by(["observed_at"], maintain_order=True):
        timeseries.write(
            store,
            [
                Sample(
                    "hackernews",
                    str(r["item_id"]),
                    observed_at,
                    {k: v for k, v in (("score", r["points"]), ("comments", r["comments"])) if v is not None},
                )
                for r in snap.iter_rows(named=True)
            ],
        )
    yield store, window, items, start
    store.close()


def _expected_gain(window: pl.DataFrame, items: pl.DataFrame, as_of, win: timedelta) -> dict[int, int]:
    """The `item_gains` definition, independently, in Polars: per story and metric, the last value
    at or before as_of minus the value at t0 = as_of - win interpolated between the samples around
    t0 (0 if the story was first seen after t0, else on the line from (first seen, 0)), never negative; stories with a sample in the window."""
    t0 = as_of - win
    long = (
        window.filter(pl.col("observed_at") <= as_of)
        .unpivot(index=["observed_at", "item_id"], on=["points", "comments"], variable_name="metric")
        .drop_nulls("value")
        .with_columns(pl.col("value").cast(pl.Float64))
    )
    per = (
        long.sort("observed_at")
        .group_by("item_id", "metric")
        .agg(
            end=pl.col("value").last(),
            in_window=(pl.col("observed_at") > t0).any(),
            b_v=pl.col("value").filter(pl.col("observed_at") <= t0).last(),
            b_t=pl.col("observed_at").filter(pl.col("observed_at") <= t0).last(),
            a_v=pl.col("value").filter(pl.col("observed_at") > t0).first(),
            a_t=pl.col("observed_at").filter(pl.col("observed_at") > t0).first(),
        )
        .filter(pl.col("in_window"))
        .join(items.select("item_id", "first_seen"), on="item_id")
    )
    secs = (pl.col("a_t") - pl.col("b_t")).dt.total_microseconds() / 1e6
    into = (pl.lit(t0) - pl.col("b_t")).dt.total_microseconds() / 1e6
    since_born = (pl.lit(t0) - pl.col("first_seen")).dt.total_microseconds() / 1e6
    start = (
        pl.when(pl.col("b_v").is_not_null())
        .then(pl.col("b_v") + (pl.col("a_v") - pl.col("b_v")) * into / secs)
        .when(pl.col("first_seen") >= t0)
        .then(0.0)
        # No sample before t0 although born earlier: on the line from (first seen, 0).
        .otherwise(
            pl.col("a_v")
            * since_born
            / ((pl.col("a_t") - pl.col("first_seen")).dt.total_microseconds() / 1e6)
        )
    )
    per = per.with_columns(gained=(pl.col("end") - start).clip(lower_bound=0))
    totals = per.group_by("item_id").agg(pl.col("gained").sum().round().cast(pl.Int64))
    return dict(zip(totals["item_id"].to_list(), totals["gained"].to_list(), strict=True))


@pytest.mark.parametrize("hours_in", [3, 7, 11])
def test_trending_equals_the_definition_computed_in_polars(hn, hours_in):
    store, window, items, start = hn
    as_of = start + timedelta(hours=hours_in)
    got = store.df("select url, interactions from trending(as_of := $t)", {"t": as_of})
    got_by_id = {int(u.rsplit("=", 1)[1]): v for u, v in got.rows()}
    expected = _expected_gain(window, items, as_of, timedelta(hours=6))  # trending's long span
    assert got_by_id.keys() == expected.keys()
    # Whole counts: the two sides may round a sum that lands on .5 differently.
    off = {k: (got_by_id[k], expected[k]) for k in expected if abs(got_by_id[k] - expected[k]) > 1}
    assert off == {}
    assert len(got_by_id) >= 20  # a real front page, not a degenerate case
    scores = store.df("select score from trending(as_of := $t) order by rank", {"t": as_of})[
        "score"
    ].to_list()
    assert scores == sorted(scores, reverse=True)


def test_engagement_reproduces_the_recorded_points(hn):
    store, window, _, _ = hn
    story = window.group_by("item_id").len().sort("len", descending=True)["item_id"][0]
    recorded = window.filter(pl.col("item_id") == story).sort("observed_at").select("observed_at", "points")
    stored = store.df(
        "select ts, value from engagement where url = $u and metric = 'score' order by ts",
        {"u": f"https://news.ycombinator.com/item?id={story}"},
    )
    assert stored["value"].to_list() == recorded["points"].to_list()
    assert stored["ts"].to_list() == recorded["observed_at"].to_list()
