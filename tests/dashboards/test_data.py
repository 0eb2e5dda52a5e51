"""The canned queries behind the dashboards, run on a real DuckDB file seeded with known samples
(see conftest.py for the dataset and the rankings it implies)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from dashboards.data import Data, Filters
from tests.dashboards.conftest import Seeded
from tracker.clock import FrozenClock
from tracker.sqlfiles import load


def ranking(result_rows) -> list[tuple[int, str, int]]:
    return [(r["rank"], r["title"], r["interactions"]) for r in result_rows.iter_rows(named=True)]


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        # 1h: window starts interpolated (docs/metrics.md). Heatwave: reddit 67 + 7, HN 193 + 26,
        # X 33 + 6 (first sampled 10 min ago, born 100 min ago: 60 * 40/90 likes at the start);
        # Summit: reddit 17 + 2 (between 2 h and 30 min ago), bluesky 16 + 3.
        ("1h", [(1, "Heatwave breaks decade-old record", 332), (2, "Summit ends in surprise deal", 38)]),
        ("6h", [(1, "Summit ends in surprise deal", 1155), (2, "Heatwave breaks decade-old record", 575)]),
        ("24h", [(1, "Summit ends in surprise deal", 1155), (2, "Heatwave breaks decade-old record", 575)]),
        (
            "7d",
            [
                (1, "Summit ends in surprise deal", 1155),
                (2, "Chess prodigy stuns grandmasters", 720),
                (3, "Heatwave breaks decade-old record", 575),
            ],
        ),
    ],
)
def test_most_popular_ranks_by_interactions_gained_in_the_window(
    seeded: Seeded, window: str, expected
) -> None:
    assert ranking(Data(seeded.store, clock=FrozenClock(seeded.now)).most_popular(window).rows) == expected


def test_most_popular_row_carries_totals_views_platforms_and_last_sample(seeded: Seeded) -> None:
    row = Data(seeded.store, clock=FrozenClock(seeded.now)).most_popular("24h").rows.row(1, named=True)
    assert row["article_id"] == seeded.ids["heatwave"]
    assert row["url"] == "https://news.example.com/heatwave/"
    assert (row["views"], row["total_interactions"]) == (5000, 575)
    assert row["platforms"] == ["hackernews", "reddit", "x"]
    assert row["last_sample_at"] == seeded.ago(minutes=10)


def test_most_popular_on_one_platform_counts_only_that_platform(seeded: Seeded) -> None:
    data = Data(seeded.store, clock=FrozenClock(seeded.now))
    assert ranking(data.most_popular("24h", "reddit").rows) == [
        (1, "Summit ends in surprise deal", 1035),
        (2, "Heatwave breaks decade-old record", 165),
    ]
    assert ranking(data.most_popular("24h", "hackernews").rows) == [
        (1, "Heatwave breaks decade-old record", 340)
    ]
    assert data.most_popular("24h", "mastodon").rows.is_empty()


def test_most_popular_limit_cuts_the_ranking(seeded: Seeded) -> None:
    assert ranking(Data(seeded.store, clock=FrozenClock(seeded.now)).most_popular("7d", limit=1).rows) == [
        (1, "Summit ends in surprise deal", 1155)
    ]


def test_ranking_inputs_split_each_story_by_platform_and_metric(seeded: Seeded) -> None:
    ids = seeded.ids
    rows = (
        Data(seeded.store, clock=FrozenClock(seeded.now))
        .ranking_inputs("24h", "", [ids["summit"], ids["heatwave"]])
        .rows
    )
    per_platform = (
        rows.filter(pl.col("is_interaction"))
        .group_by("article_id", "platform")
        .agg(pl.col("gained").sum())
        .sort("article_id", "platform")
    )
    assert per_platform.rows() == [
        (ids["summit"], "bluesky", 120),
        (ids["summit"], "reddit", 1035),
        (ids["heatwave"], "hackernews", 340),
        (ids["heatwave"], "reddit", 165),
        (ids["heatwave"], "x", 70),
    ]
    views = rows.filter(pl.col("metric") == "views")
    assert views.select("platform", "gained").rows() == [("x", 5000)]


def test_ranking_filters_by_section_and_author_and_reranks_within_them(seeded: Seeded) -> None:
    with seeded.store.transaction() as cur:
        cur.execute(
            "update tracked_articles set section = 'science', author = 'Ada' where article_id = ?",
            [seeded.ids["heatwave"]],
        )
    data = Data(seeded.store, ttl_s=0)
    science = data.ranking("24h", Filters(section="science")).rows
    assert science.select("rank", "overall_rank", "title").rows() == [
        (1, 2, "Heatwave breaks decade-old record")
    ]
    assert data.ranking("24h", Filters(author="Ada")).rows["article_id"].to_list() == [seeded.ids["heatwave"]]
    assert data.ranking("24h", Filters(section="world")).rows["title"].to_list() == [
        "Summit ends in surprise deal"
    ]
    assert data.ranking("24h", Filters(site="elsewhere.example")).rows.is_empty()


def test_trending_ranks_what_rises_and_shows_the_long_span_gain(seeded: Seeded) -> None:
    # interactions = gained over trending's 6 h span: Heatwave's posts were all born inside it
    # (150 + 15 + 300 + 40 + 60 + 10); so were Summit's: all of its 1,155 (reddit 950 + 85,
    # bluesky 100 + 20).
    assert ranking(Data(seeded.store, clock=FrozenClock(seeded.now)).trending().rows) == [
        (1, "Heatwave breaks decade-old record", 575),
        (2, "Summit ends in surprise deal", 1155),
    ]


def test_trending_series_climbs_to_each_story_last_hour_gain(seeded: Seeded) -> None:
    rows = Data(seeded.store, clock=FrozenClock(seeded.now)).trending_series().rows
    heatwave = rows.filter(rows["article_id"] == seeded.ids["heatwave"])
    assert heatwave["step"].to_list() == list(range(13))
    # Step k is `gained` over (hour start, hour start + 5k min], start interpolated: reddit's sample
    # 20 min ago shows from step 8 (67 + 7); at step 10 hackernews (193 + 26) and x (33 + 6, an
    # older post first sampled 10 min ago) join: 332, the most_popular('1h') figure.
    assert heatwave["gained"].to_list() == [0] * 8 + [74] * 2 + [332] * 3
    summit = rows.filter(rows["article_id"] == seeded.ids["summit"])
    assert summit["gained"].to_list() == [0] * 6 + [38] * 7


def test_article_detail_has_latest_totals_and_unknown_ids_have_no_row(seeded: Seeded) -> None:
    data = Data(seeded.store, clock=FrozenClock(seeded.now))
    row = data.article(seeded.ids["summit"]).row(0, named=True)
    assert (row["title"], row["items"], row["platforms"]) == (
        "Summit ends in surprise deal",
        2,
        ["bluesky", "reddit"],
    )
    assert (row["total_interactions"], row["total_views"]) == (1155, 0)
    assert row["last_sample_at"] == seeded.ago(minutes=30)
    assert data.article(9999).is_empty()
    empty = data.article(seeded.ids["orchestra"]).row(0, named=True)
    assert (empty["items"], empty["total_interactions"], empty["last_sample_at"]) == (0, 0, None)


def test_article_series_is_each_platform_metric_over_time(seeded: Seeded) -> None:
    rows = Data(seeded.store, clock=FrozenClock(seeded.now)).article_series(seeded.ids["summit"])
    reddit_score = rows.filter((rows["platform"] == "reddit") & (rows["metric"] == "score"))
    assert reddit_score.select("ts", "value").rows() == [
        (seeded.ago(hours=5), 10),
        (seeded.ago(hours=2), 900),
        (seeded.ago(minutes=30), 950),
    ]
    assert sorted(set(zip(rows["platform"], rows["metric"], strict=True))) == [
        ("bluesky", "likes"),
        ("bluesky", "reposts"),
        ("reddit", "comments"),
        ("reddit", "score"),
    ]


def test_health_reports_error_rate_waits_and_throttling(seeded: Seeded) -> None:
    rows = {
        r["platform"]: r
        for r in Data(seeded.store, clock=FrozenClock(seeded.now)).health().iter_rows(named=True)
    }
    assert sorted(rows) == ["bluesky", "hackernews", "reddit", "x"]
    assert (rows["reddit"]["last_status"], rows["reddit"]["error_rate"]) == ("ok", 0.0)
    assert rows["reddit"]["last_success_at"] == seeded.ago(minutes=1)
    x = rows["x"]
    assert (x["last_status"], x["recent_errors"], x["recent_requests"], x["error_rate"]) == (
        "rate_limited",
        1,
        2,
        0.5,
    )
    assert (x["recent_rate_limit_waits"], x["blocked_until"]) == (1, seeded.now + timedelta(minutes=12))
    assert rows["hackernews"]["error_rate"] is None  # no rounds yet: no rate, not 0%


def test_freshness_is_the_newest_sample(seeded: Seeded) -> None:
    assert Data(seeded.store, clock=FrozenClock(seeded.now)).freshness().rows["latest_sample_at"][
        0
    ] == seeded.ago(minutes=10)


def test_an_injected_clock_sets_the_ranking_time(seeded: Seeded) -> None:
    # Two hours ago, Heatwave had no samples yet.
    data = Data(seeded.store, clock=FrozenClock(seeded.ago(hours=2)))
    # As of 2 h ago: reddit r1 from 603.3 (interpolated 3 h ago between 5 h and 2 h ago) to 900,
    # comments 54 to 80: 297 + 26.
    assert ranking(data.most_popular("1h").rows) == [(1, "Summit ends in surprise deal", 323)]
    assert data.most_popular("1h").as_of == seeded.ago(hours=2)
    assert data.freshness().rows["latest_sample_at"][0] == seeded.ago(hours=2)


def test_answers_are_cached_until_the_ttl_expires(seeded: Seeded) -> None:
    data = Data(seeded.store, ttl_s=60)
    before = data.most_popular("24h")
    seeded.write("x", "x2", seeded.ago(minutes=1), likes=1000, reposts=10)
    assert data.most_popular("24h") is before
    assert ranking(Data(seeded.store, ttl_s=0).most_popular("24h").rows)[0] == (
        1,
        "Heatwave breaks decade-old record",
        1515,
    )


def test_platforms_lists_those_sharing_tracked_articles(seeded: Seeded) -> None:
    assert Data(seeded.store, clock=FrozenClock(seeded.now)).platforms() == [
        "bluesky",
        "hackernews",
        "reddit",
        "x",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "most_popular",
        "ranking",
        "ranking_inputs",
        "facets",
        "article_posts",
        "article_timeline",
        "article_hourly",
        "trending_now",
        "trending_series",
        "article_detail",
        "article_series",
        "article_latest",
        "article_expected",
        "health",
        "freshness",
        "platforms",
    ],
)
def test_every_dashboard_query_documents_title_description_and_grain(name: str) -> None:
    meta = load(f"queries/{name}").meta
    assert {"title", "description", "grain"} <= set(meta)


def test_article_timeline_sums_interaction_metrics_per_platform(seeded: Seeded) -> None:
    rows = Data(seeded.store, clock=FrozenClock(seeded.now)).article_timeline(
        seeded.ids["summit"], "interactions"
    )
    reddit = rows.filter(pl.col("platform") == "reddit")["value"].to_list()
    bluesky = rows.filter(pl.col("platform") == "bluesky")["value"].to_list()
    assert reddit == [12, 980, 1035]  # score + comments at each reddit sample
    assert bluesky == [25, 120]  # likes + reposts
    likes = Data(seeded.store, clock=FrozenClock(seeded.now)).article_timeline(seeded.ids["summit"], "likes")
    assert likes.select("platform", "value").rows() == [("bluesky", 20), ("bluesky", 100)]


def test_article_hourly_adds_up_to_the_latest_total(seeded: Seeded) -> None:
    hourly = Data(seeded.store, clock=FrozenClock(seeded.now)).article_hourly(
        seeded.ids["summit"], "interactions"
    )
    per_platform = dict(hourly.group_by("platform").agg(pl.col("gained").sum()).iter_rows())
    assert per_platform == {"reddit": 1035, "bluesky": 120}
    assert all(h.minute == 0 and h.second == 0 for h in hourly["hour"])


def test_article_posts_lists_each_post_with_its_own_counts(seeded: Seeded) -> None:
    posts = Data(seeded.store, clock=FrozenClock(seeded.now)).article_posts(seeded.ids["heatwave"])
    assert posts.select("platform", "item_key", "interactions", "views").rows() == [
        ("hackernews", "h2", 340, None),
        ("reddit", "r2", 165, None),
        ("x", "x2", 70, 5000),
    ]
    assert posts["url"].to_list()[0] == "https://hackernews.example/h2"
    assert posts["first_seen_at"].to_list()[2] == seeded.ago(minutes=100)


def test_facets_list_sites_and_sections_of_tracked_articles(seeded: Seeded) -> None:
    facets = Data(seeded.store, clock=FrozenClock(seeded.now)).facets()
    assert facets.filter(pl.col("facet") == "section").select("value", "articles").rows() == [("world", 4)]
    assert facets.filter(pl.col("facet") == "site")["value"].to_list() == ["news.example.com"]


def test_concurrent_misses_share_one_query(seeded: Seeded) -> None:
    import threading

    data = Data(seeded.store, ttl_s=60)
    barrier = threading.Barrier(20)
    results = []

    def read() -> None:
        barrier.wait()
        results.append(data.most_popular("7d"))

    threads = [threading.Thread(target=read) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert data.queries == {"ranking": 1}
    assert len({id(r) for r in results}) == 1


def test_a_past_ranking_is_pinned_to_a_grid_and_shared_across_refreshes(seeded: Seeded) -> None:
    """The rank change's earlier ranking is as of a moment on a grid (a sixth of the shift), so
    the next refresh asks the same question and the store computes it once; the current ranking
    is recomputed each refresh."""
    clock = FrozenClock(seeded.now.replace(minute=1, second=0))
    ticks = iter(range(100))

    class Refreshing(Data):
        def tick(self) -> int:
            return next(ticks)  # every call a new refresh

    data = Refreshing(seeded.store, clock, ttl_s=60)
    first = data.ranking("24h", limit=5, shift_s=3600)
    assert first.as_of == clock.now().replace(minute=0) - timedelta(hours=1)  # 10-min grid
    clock.advance(300)  # a later refresh, same grid step
    assert data.ranking("24h", limit=5, shift_s=3600).as_of == first.as_of
    data.ranking("24h", limit=5)
    clock.advance(300)
    data.ranking("24h", limit=5)
    assert data.queries["ranking"] == 3  # one past ranking, two current ones
    clock.advance(300)  # the grid moved on: a new past ranking
    assert data.ranking("24h", limit=5, shift_s=3600).as_of == first.as_of + timedelta(minutes=10)
    assert data.queries["ranking"] == 4


def test_rankings_of_any_depth_share_one_computation(seeded: Seeded) -> None:
    """The box's 5 rows, the page's 20 and the rank change's 100 are cuts of one ranking."""
    data = Data(seeded.store, FrozenClock(seeded.now), ttl_s=60)
    box = data.ranking("7d", limit=2)
    page = data.ranking("7d", limit=20)
    assert data.queries["ranking"] == 1
    assert box.rows["title"].to_list() == page.rows["title"].head(2).to_list()
    assert box.rows["title"].to_list() == ["Summit ends in surprise deal", "Chess prodigy stuns grandmasters"]
    assert data.ranking("7d", limit=2) is box  # a cut is as stable as a cache hit
