"""Front-page context on a hand-made page where every figure is known: place by points against
rank, distance to the bottom and the median, velocity place, page activity, the moment's clock,
and the features carrying the context of the last sighting at or before the observation age."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from tracker.forecast.features import curve_features
from tracker.forecast.page import CONTEXT_COLUMNS, page_context

M1 = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)  # a Wednesday
M2 = M1 + timedelta(minutes=30)


def _page() -> pl.DataFrame:
    rows = [
        # moment, key, rank, points: A is young and ranks first with the fewest points
        (M1, 1, 1.0, 10.0),
        (M1, 2, 2.0, 50.0),
        (M1, 3, 3.0, 20.0),
        (M1, 4, 31.0, 500.0),  # below the 30 front-page slots: not on the page
        (M2, 1, 1.0, 40.0),  # +30 in half an hour: 60 an hour
        (M2, 2, 2.0, 55.0),  # 10 an hour
        (M2, 3, 3.0, 22.0),  # 4 an hour
        (M2, 5, 4.0, None),  # ranked but not sampled: no count
    ]
    return pl.DataFrame(
        rows,
        schema={
            "moment": pl.Datetime("us", "UTC"),
            "key": pl.Int64,
            "rank": pl.Float64,
            "points": pl.Float64,
        },
        orient="row",
    )


def test_page_context_on_a_known_page():
    ctx = page_context(_page())
    assert ctx.columns == ["moment", "key", *CONTEXT_COLUMNS]
    assert 4 not in ctx["key"].to_list()  # off the page
    first = {r["key"]: r for r in ctx.filter(pl.col("moment") == M1).iter_rows(named=True)}
    # by points B (50) is first, C (20) second, A (10) third; less their ranks 2, 3, 1
    assert [first[k]["ctx_points_rank_gap"] for k in (1, 2, 3)] == [2.0, -1.0, -1.0]
    # the lowest-ranked story is C (20 points); the page's median is C too
    assert first[1]["ctx_points_vs_bottom"] == pytest.approx(math.log(11) - math.log(21))
    assert first[2]["ctx_points_vs_median"] == pytest.approx(math.log(51) - math.log(21))
    assert first[1]["ctx_page_activity"] == 0.0  # nobody seen before: no velocity yet
    assert first[1]["ctx_hour"] == 9.5 and first[1]["ctx_weekday"] == 3.0
    second = {r["key"]: r for r in ctx.filter(pl.col("moment") == M2).iter_rows(named=True)}
    assert [second[k]["ctx_velocity_rank"] for k in (1, 2, 3)] == [1.0, 2.0, 3.0]
    assert second[1]["ctx_page_activity"] == pytest.approx(math.log1p(60 + 10 + 4))
    # the bottom is the lowest-ranked story with a known count (C, not the unsampled key 5)
    assert second[2]["ctx_points_vs_bottom"] == pytest.approx(math.log(56) - math.log(23))
    assert second[5]["ctx_points_vs_bottom"] is None


def test_features_carry_the_context_of_the_last_sighting_before_the_age():
    ctx = page_context(_page())
    born = M1 - timedelta(hours=1)
    ranks = (
        _page()
        .join(ctx, on=["moment", "key"])
        .select(
            "key", *CONTEXT_COLUMNS, age_h=(pl.col("moment") - born).dt.total_seconds() / 3600.0, value="rank"
        )
    )
    curves = ranks.select("key", "age_h", value=pl.lit(1.0))
    at_1h = curve_features(curves, 1.0, ranks=ranks).filter(pl.col("key") == 1).row(0, named=True)
    at_2h = curve_features(curves, 2.0, ranks=ranks).filter(pl.col("key") == 1).row(0, named=True)
    assert at_1h["ctx_points_rank_gap"] == 2.0 and at_1h["ctx_page_activity"] == 0.0  # M1 only
    assert at_2h["ctx_velocity_rank"] == 1.0 and at_2h["ctx_hour"] == 10.0  # M2, the later one
