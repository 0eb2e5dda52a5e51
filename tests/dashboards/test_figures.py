"""The figure functions on hand-made frames: which traces they draw, in what order, with which
values and colours; and the formatting every page shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from dashboards import figures
from dashboards import format as fmt
from dashboards.colors import platform_color, platform_colors

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
    assert reddit.marker.color == platform_colors()["reddit"]
    assert list(fig.layout.yaxis.categoryarray) == ["1. Summit", "2. Heatwave"]
    assert fig.layout.yaxis.autorange == "reversed"


def test_popularity_bars_shorten_long_titles_on_the_axis() -> None:
    title = "A" * 80
    fig = figures.popularity_bars(
        pl.DataFrame({"rank": [1], "title": [title], "platform": ["x"], "interactions": [5]})
    )
    label = fig.data[0].y[0]
    assert label.startswith("1. AAA") and label.endswith("…") and len(label) == 3 + figures.BAR_TITLE_CHARS


def test_empty_frames_give_a_chart_that_says_why() -> None:
    empty = pl.DataFrame()
    for fig, words in [
        (figures.popularity_bars(empty), "No interactions"),
        (figures.trending_lines(empty, "share", UTC), "Nothing gained"),
        (figures.article_chart(empty, "cumulative", "interactions", None, T0, UTC), "No samples"),
    ]:
        assert fig.data == ()
        assert words in fig.layout.annotations[0].text


def _two_stories() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "rank": [2, 2, 1, 1],
            "article_id": [5, 5, 9, 9],
            "title": ["Second", "Second", "First", "First"],
            "ts": [T0, T0 + timedelta(minutes=5)] * 2,
            "gained": [0, 10, 0, 4000],
        }
    )


def test_trending_lines_draw_one_step_line_per_story_in_rank_order() -> None:
    fig = figures.trending_lines(_two_stories(), "linear", UTC)
    assert [t.name for t in fig.data] == ["1. First", "2. Second"]
    assert list(fig.data[0].y) == [0, 4000]
    assert fig.data[0].line.shape == "hv"
    assert fig.data[0].line.width > fig.data[1].line.width  # the leader stands out


def test_trending_stays_readable_when_one_story_dwarfs_the_rest() -> None:
    share = figures.trending_lines(_two_stories(), "share", UTC)
    assert [list(t.y) for t in share.data] == [[0, 100], [0, 100]]  # both shapes span the chart
    assert list(share.data[1].customdata) == [0, 10]  # hover still says the real gain
    log = figures.trending_lines(_two_stories(), "log", UTC)
    assert log.layout.yaxis.type == "log"
    assert list(log.data[1].y) == [None, 10]  # zero has no place on a log axis: a gap, not a crash


def test_trending_times_are_drawn_in_the_display_zone() -> None:
    fig = figures.trending_lines(_two_stories(), "share", ZoneInfo("Asia/Tokyo"))
    assert fig.data[0].x[0] == datetime(2026, 11, 20, 21, 0)


def _timeline(minutes: list[int], values: list[int], platform: str = "reddit") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "platform": [platform] * len(minutes),
            "ts": [T0 + timedelta(minutes=m) for m in minutes],
            "value": values,
        }
    )


def test_article_chart_is_one_chart_with_a_line_per_platform_and_whole_number_ticks() -> None:
    series = pl.concat([_timeline([0, 5, 10], [1, 2, 3]), _timeline([0, 5], [1, 2], "bluesky")])
    fig = figures.article_chart(
        series, "cumulative", "interactions", T0 - timedelta(hours=2), T0 + timedelta(minutes=20), UTC
    )
    assert [t.name for t in fig.data] == ["bluesky", "reddit"]
    assert fig.layout.yaxis.tickformat == ",d"
    assert fig.layout.yaxis.dtick == 1  # small counts: ticks 0, 1, 2, 3, never 2.5
    assert {t.line.color for t in fig.data if t.name == "reddit"} == {platform_colors()["reddit"]}
    start, end = fig.layout.xaxis.range
    assert start <= datetime(2026, 11, 20, 10, 0)  # the whole life from publication, not the last minutes
    assert end >= datetime(2026, 11, 20, 12, 20)


def test_article_chart_draws_a_collection_gap_as_a_gap() -> None:
    minutes = [0, 5, 10, 15, 20, 200, 205]  # nothing sampled for three hours
    fig = figures.article_chart(
        _timeline(minutes, [1, 2, 3, 4, 5, 50, 51]), "cumulative", "likes", None, T0 + timedelta(hours=4), UTC
    )
    ys = list(fig.data[0].y)
    assert ys == [1, 2, 3, 4, 5, None, 50, 51]
    assert fig.data[0].connectgaps is False
    steady = figures.article_chart(
        _timeline([0, 5, 10, 15], [1, 2, 3, 4]), "cumulative", "likes", None, T0 + timedelta(hours=1), UTC
    )
    assert None not in list(steady.data[0].y)


def test_article_chart_per_hour_stacks_bars() -> None:
    hourly = pl.DataFrame(
        {
            "platform": ["reddit", "reddit", "x"],
            "hour": [T0, T0 + timedelta(hours=1), T0],
            "gained": [100, 40, 7],
        }
    )
    fig = figures.article_chart(hourly, "hourly", "interactions", T0, T0 + timedelta(hours=2), UTC)
    assert fig.layout.barmode == "stack"
    assert [(t.type, t.name, list(t.y)) for t in fig.data] == [
        ("bar", "reddit", [100, 40]),
        ("bar", "x", [7]),
    ]


def test_unknown_platforms_get_a_stable_fallback_colour() -> None:
    assert platform_color("threads") == platform_color("threads")
    assert platform_color("threads") not in platform_colors().values()


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


def test_a_sparkline_scales_its_largest_value_to_the_top_and_spreads_the_steps() -> None:
    import base64

    from dashboards import sparkline

    pts = [
        tuple(map(float, p.split(","))) for p in sparkline.points([0, 5, 10], width=102, height=22).split()
    ]
    assert [x for x, _ in pts] == [2.0, 51.0, 100.0]
    assert [y for _, y in pts] == [20.0, 11.0, 2.0]  # 0 at the bottom, the peak at the top
    flat = sparkline.points([0, 0])  # nothing gained: a line along the bottom, no division by zero
    assert flat.endswith(f",{sparkline.HEIGHT - sparkline.PAD:.1f}")
    img = sparkline.image([1, 2, 3], "gained per hour")
    svg = base64.b64decode(img.src.split(",", 1)[1]).decode()
    assert svg.startswith("<svg") and "<polyline" in svg and img.title == "gained per hour"


def test_rates_factors_and_ages_read_the_same_everywhere() -> None:
    from dashboards import format as fmt

    assert (fmt.rate(1234.5), fmt.signed_rate(800), fmt.signed_rate(-12.4)) == ("1,234/h", "+800/h", "−12/h")
    assert (fmt.factor(2.345), fmt.factor(0.0412), fmt.factor(None)) == ("×2.3", "×0.041", "–")
    assert (fmt.hours(0.5), fmt.hours(168)) == ("30 min", "7 d")


def test_scores_read_as_whole_numbers_when_large_and_three_digits_when_small() -> None:
    from dashboards import format as fmt

    assert (fmt.score(1749.2), fmt.score(20.01), fmt.score(0.01234), fmt.score(None)) == (
        "1,749",
        "20",
        "0.0123",
        "–",
    )
