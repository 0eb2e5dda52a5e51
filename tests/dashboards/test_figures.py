"""The figure functions on hand-made frames: which traces they draw, in what order, with which
values and colours; and the formatting every page shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from dashboards import figures
from dashboards import format as fmt

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_popularity_bars_stack_one_trace_per_platform_with_rank_one_on_top() -> None:
    breakdown = pl.DataFrame(
        {
            "rank": [1, 1, 2],
            "article_id": [7, 7, 3],
            "title": ["Summit", "Summit", "Heatwave"],
            "platform": ["reddit", "bluesky", "reddit"],
            "interactions": [1035, 120, 165],
        }
    )
    fig = figures.popularity_bars(breakdown)
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == ["bluesky", "reddit"]
    reddit = fig.data[1]
    assert (list(reddit.y), list(reddit.x)) == (["1. Summit", "2. Heatwave"], [1035, 165])
    assert reddit.marker.color == figures.platform_colors()["reddit"]
    assert list(fig.layout.yaxis.categoryarray) == ["1. Summit", "2. Heatwave"]
    assert fig.layout.yaxis.autorange == "reversed"


def test_popularity_bars_shorten_long_titles_on_the_axis() -> None:
    title = "A" * 80
    fig = figures.popularity_bars(
        pl.DataFrame({"rank": [1], "title": [title], "platform": ["x"], "interactions": [5]})
    )
    label = fig.data[0].y[0]
    assert label.startswith("1. AAA") and label.endswith("…") and len(label) == 3 + figures.TITLE_CHARS


def test_empty_frames_give_a_chart_that_says_why() -> None:
    empty = pl.DataFrame()
    for fig, words in [
        (figures.popularity_bars(empty), "No interactions"),
        (figures.trending_lines(empty), "Nothing gained"),
        (figures.article_metrics(empty), "No samples"),
    ]:
        assert fig.data == ()
        assert words in fig.layout.annotations[0].text


def test_trending_lines_draw_one_step_line_per_story_in_rank_order() -> None:
    series = pl.DataFrame(
        {
            "rank": [2, 2, 1, 1],
            "article_id": [5, 5, 9, 9],
            "title": ["Second", "Second", "First", "First"],
            "ts": [T0, T0 + timedelta(minutes=5)] * 2,
            "gained": [0, 10, 0, 40],
        }
    )
    fig = figures.trending_lines(series)
    assert [t.name for t in fig.data] == ["1. First", "2. Second"]
    assert list(fig.data[0].y) == [0, 40]
    assert fig.data[0].line.shape == "hv"
    assert fig.data[0].line.width > fig.data[1].line.width  # the leader stands out


def test_article_metrics_has_a_panel_per_metric_in_catalog_order_and_one_legend_entry_per_platform() -> None:
    series = pl.DataFrame(
        {
            "platform": ["reddit", "reddit", "bluesky", "reddit", "x"],
            "metric": ["score", "score", "likes", "comments", "views"],
            "ts": [T0, T0 + timedelta(minutes=10), T0, T0, T0],
            "value": [10, 90, 4, 2, 5000],
        }
    )
    fig = figures.article_metrics(series)
    assert [a.text for a in fig.layout.annotations] == ["views", "likes", "comments", "score"]
    panels = {(t.name, t.yaxis): list(t.y) for t in fig.data}
    assert panels == {
        ("x", "y"): [5000],
        ("bluesky", "y2"): [4],
        ("reddit", "y3"): [2],
        ("reddit", "y4"): [10, 90],
    }
    assert [t.name for t in fig.data if t.showlegend] == ["x", "bluesky", "reddit"]
    assert {t.line.color for t in fig.data if t.name == "reddit"} == {figures.platform_colors()["reddit"]}


def test_unknown_platforms_get_a_stable_fallback_colour() -> None:
    assert figures.platform_color("threads") == figures.platform_color("threads")
    assert figures.platform_color("threads") not in figures.platform_colors().values()


def test_counts_times_and_rates_read_the_same_everywhere() -> None:
    assert (fmt.count(1155), fmt.count(0), fmt.count(None)) == ("1,155", "0", "–")
    assert (fmt.percent(0.5), fmt.percent(0.004), fmt.percent(0.0), fmt.percent(None)) == (
        "50%",
        "0.4%",
        "0%",
        "–",
    )
    assert fmt.clock_time(T0) == "12:00:00 UTC"
    assert fmt.when(T0 + timedelta(days=1)) == "21 Nov 12:00 UTC"
    assert fmt.iso(T0) == "2026-11-20T12:00:00Z"
    now = T0 + timedelta(hours=1)
    assert [fmt.ago(now - timedelta(seconds=s), now) for s in (2, 40, 300, 7200, 200000)] == [
        "just now",
        "40 s ago",
        "5 min ago",
        "2 h ago",
        "2 d ago",
    ]
    assert (fmt.ago(now + timedelta(minutes=12), now), fmt.ago(None, now)) == ("in 12 min", "never")
