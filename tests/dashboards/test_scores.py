"""What explains a ranking on the pages: when a story started rising (trending_rising), its
window's shape (ranking_sparklines), its forecast (article_forecasts over the `forecasts` view,
filled by the real forecaster), the score columns trending() and most_popular() will carry
(shown when present, left out when absent), and what a page costs: a fixed set of named
queries per refresh, shared by every reader and callback of that refresh."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from dashboards import create_app
from dashboards.data import RISING_FACTOR, Data
from dashboards.pages import article, most_popular, trending
from dashboards.view import Ctx, parse
from tests.dashboards.conftest import Seeded
from tests.dashboards.test_pages import refresh_call
from tracker import sqlfiles
from tracker.config import ForecastConfig
from tracker.forecast import fit


def ctx(page: str, path: str, search: str = "") -> Ctx:
    return Ctx(parse(page, search), ZoneInfo("UTC"), "UTC", path)


def forecast(seeded: Seeded) -> None:
    """Forecasts from the real forecaster (priors: the seeded history is short)."""
    assert fit.run(seeded.store, ForecastConfig(), seeded.now).forecasts > 0


def rising(seeded: Seeded) -> dict[int, dict[str, Any]]:
    rows = seeded.store.named(
        "trending_rising",
        article_ids=list(seeded.ids.values()),
        factor=RISING_FACTOR,
        platform="",
        as_of=seeded.now,
    )
    return {r["article_id"]: r for r in rows.iter_rows(named=True)}


def test_rising_since_is_the_start_of_the_latest_run_of_fast_steps(seeded: Seeded) -> None:
    got = rising(seeded)
    heatwave, summit = got[seeded.ids["heatwave"]], got[seeded.ids["summit"]]
    # Heatwave: first samples 80 min ago (posts born 90-100 min ago count whole), a lull, then
    # +110 on Reddit at -20 min and +297 on HN plus X's first 70 at -10: rising again since -20.
    assert heatwave["rising_since"] == seeded.ago(minutes=20)
    assert heatwave["rising_now"] is True
    assert heatwave["first_rising_at"] == seeded.ago(minutes=80)
    # Summit: +968 on Reddit at -2 h against a slow 3 h before; the short span holds it for
    # 25 more minutes; the +150 at -30 min is slower than its 3-hour pace, so it is not rising now.
    assert summit["rising_since"] == seeded.ago(hours=2)
    assert summit["rising_until"] == seeded.ago(hours=2) + timedelta(minutes=25)
    assert summit["rising_now"] is False
    # Chess gained nothing in the last day: no row.
    assert seeded.ids["chess"] not in got


def test_sparkline_steps_cover_the_window_and_add_up_to_its_gain(seeded: Seeded) -> None:
    ids = [seeded.ids["summit"], seeded.ids["heatwave"], seeded.ids["chess"]]
    rows = Data(seeded.store, ttl_s=0).sparklines("24h", "", ids).rows
    per = {a: part["gained"].to_list() for (a,), part in rows.sort("step").group_by("article_id")}
    assert {len(v) for v in per.values()} == {24}  # hourly over 24 h
    assert sum(per[seeded.ids["summit"]]) == 1155  # the ranking's 24 h interactions
    assert sum(per[seeded.ids["heatwave"]]) == 575
    assert per[seeded.ids["chess"]] == [0] * 24
    assert per[seeded.ids["summit"]][-2:] == [0, 150]  # +150 in the last hour, nothing the hour before
    reddit = Data(seeded.store, ttl_s=0).sparklines("24h", "reddit", ids).rows
    assert reddit.filter(pl.col("article_id") == seeded.ids["summit"])["gained"].sum() == 1035


def test_forecasts_come_per_platform_with_their_interval(seeded: Seeded) -> None:
    assert Data(seeded.store, ttl_s=0).forecasts([seeded.ids["heatwave"]]).is_empty()
    forecast(seeded)
    rows = Data(seeded.store, ttl_s=0).forecasts([seeded.ids["heatwave"]])
    assert sorted(rows["platform"]) == ["hackernews", "reddit", "x"]
    assert (rows["lower"] <= rows["predicted"]).all() and (rows["predicted"] <= rows["upper"]).all()
    assert (rows["target_at"] > seeded.now).all()


def test_trending_rows_show_every_score_input_forecast_rising_and_rank_change(seeded: Seeded) -> None:
    forecast(seeded)
    data = Data(seeded.store, ttl_s=60)
    rows, _ = trending.frame(data, ctx("trending", "/trending"))
    top = rows.row(0, named=True)
    assert top["title"] == "Heatwave breaks decade-old record"
    for column in (
        "velocity_short",
        "velocity_mid",
        "velocity_long",
        "acceleration",
        "age_hours",
        "decay",
        "rank_factor",
    ):
        assert top[column] is not None, column
    # Ranked 15 minutes ago too, second behind Summit then: the ranking's rank, not trending()'s
    # own rank_before column (the front-page rank an hour earlier, 12 here).
    assert (top["rank_before"], top["rank_change"]) == (2, 1)
    assert top["forecast_low"] <= top["forecast_interactions"] <= top["forecast_high"]
    assert top["rising_now"] is True
    text = str(trending.content(data, ctx("trending", "/trending")))
    for label in (
        "Why it trends",
        "Velocity, short span",
        "Velocity, middle span",
        "Front-page rank 2 h earlier",
        "Age decay",
        "Rank factor",
        "Forecast (80% interval)",
    ):
        assert label in text
    assert "since " in text  # the rising column
    assert "the site's usual" not in text  # trending() does not say yet: left out


def test_without_forecasts_the_column_says_so(seeded: Seeded) -> None:
    rows, _ = trending.frame(Data(seeded.store, ttl_s=0), ctx("trending", "/trending"))
    assert rows["forecast_interactions"].is_null().all()
    assert "no forecast yet" in str(
        trending.content(Data(seeded.store, ttl_s=0), ctx("trending", "/trending"))
    )


def with_score_columns(seeded: Seeded) -> None:
    """The score columns of trending() and most_popular() replaced by known values, made here from
    the forecasts view and a fixed expected count (expected 100 at any age): the macros wrapped,
    in this test's store only, so the page's rendering of them is checked exactly."""
    wrap = {
        "trending": (
            "95_trending",
            "trending(as_of := null, on_platform := null)",
            "as_of := as_of, on_platform := on_platform",
        ),
        "most_popular": (
            "90_most_popular",
            "most_popular(win, as_of := null, on_platform := null, on_site := null, on_section := null, on_author := null)",
            "win, as_of := as_of, on_platform := on_platform, on_site := on_site, on_section := on_section, on_author := on_author",
        ),
    }
    with seeded.store.transaction() as cur:
        for name, (file, signature, call) in wrap.items():
            text = sqlfiles.load(f"macros/{file}").text.replace(f"macro {name}(", f"macro {name}_base(", 1)
            cur.execute(text)
            cur.execute(
                f"""create or replace macro {signature} as table
                select b.* exclude (expected_interactions, overperformance, expected_basis,
                                    forecast_interactions, forecast_low, forecast_high),
                       100.0 as expected_interactions, b.total_interactions / 100.0 as overperformance,
                       'test: 100 at any age' as expected_basis,
                       f.predicted as forecast_interactions, f.lower as forecast_low, f.upper as forecast_high
                from {name}_base({call}) as b
                left join (select article_id, sum(predicted) as predicted, sum(lower) as lower, sum(upper) as upper
                           from forecasts where subject_kind = 'article' and target = 'horizon'
                           group by article_id) as f on f.article_id = b.article_id"""
            )


def test_score_columns_appear_when_the_macros_carry_them(seeded: Seeded) -> None:
    forecast(seeded)
    with_score_columns(seeded)
    data = Data(seeded.store, ttl_s=60)
    text = str(trending.content(data, ctx("trending", "/trending")))
    assert "×5.8 the site's usual" in text  # Heatwave: 575 / 100
    assert "Versus the site's usual" in text and "test: 100 at any age" in text
    assert data.queries["article_forecasts"] == 0  # trending() carried the forecast itself
    popular = str(most_popular.content(data, ctx("most_popular", "/")))
    assert "Versus the site's usual at this age" in popular and "×11.6" in popular  # Summit: 1155 / 100
    assert "Forecast, high (80%)" in popular
    # The article page's trending fact (its own callback) carries the ratio; the chart's
    # expected curve comes from expected_curves (tests/dashboards/test_expected_curve.py).
    assert "×5.8 the site's usual" in article.trending_text(
        article.trending_row(data, seeded.ids["heatwave"])
    )


def test_the_article_chart_draws_each_platforms_forecast_band(seeded: Seeded) -> None:
    data = Data(seeded.store, ttl_s=0)
    aid = seeded.ids["heatwave"]
    plain = article.content(data, ctx("article", f"/article/{aid}"), aid)[1].figure
    assert [t.name for t in plain.data] == ["hackernews", "reddit", "x"]
    forecast(seeded)
    drawn = article.content(data, ctx("article", f"/article/{aid}"), aid)[1].figure
    names = [t.name for t in drawn.data]
    assert "reddit forecast" in names and "reddit forecast, 80% interval" in names
    band = next(t for t in drawn.data if t.name == "reddit forecast, 80% interval")
    assert band.fill == "toself" and band.y[1] >= band.y[2]  # upper, then lower, at the target
    hourly = article.content(data, ctx("article", f"/article/{aid}", "?view=hourly"), aid)[1].figure
    assert not any("forecast" in (t.name or "") for t in hourly.data)  # bars only


@pytest.mark.parametrize(
    "render",
    [
        lambda d: most_popular.content(d, ctx("most_popular", "/")),
        lambda d: trending.content(d, ctx("trending", "/trending")),
        lambda d: article.content(d, ctx("article", "/article/2"), 2),
    ],
    ids=["most_popular", "trending", "article"],
)
def test_fifty_concurrent_renders_of_a_page_cost_one_computation_per_query(seeded: Seeded, render) -> None:
    forecast(seeded)
    data = Data(seeded.store, ttl_s=600)
    render(data)
    one_render = dict(data.queries)
    assert sum(one_render.values()) == len(data._cache)  # no (query, parameters) computed twice
    fresh = Data(seeded.store, ttl_s=600)
    barrier = threading.Barrier(50)
    errors: list[BaseException] = []

    def read() -> None:
        barrier.wait()
        try:
            render(fresh)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert dict(fresh.queries) == one_render


def test_a_result_lives_until_its_refresh_tick_ends(seeded: Seeded) -> None:
    data = Data(seeded.store, ttl_s=2.0)
    while time.time() % 2.0 > 0.2:  # start early in a tick
        time.sleep(0.01)
    first = data.freshness()
    assert data.freshness() is first
    time.sleep(2.05 - time.time() % 2.0)
    assert data.freshness() is not first  # the next tick computes again
    assert data.queries["freshness"] == 2
    assert len(data._cache) == 1  # the past tick's entry was dropped


def test_the_app_shares_one_computation_between_page_load_and_refresh(seeded: Seeded) -> None:
    app = create_app(seeded.store, refresh_s=600)
    client = app.server.test_client()
    data = app.server.extensions["tracker_data"]
    body = {
        "output": "..page.children...nav.children...freshness.children..",
        "outputs": [
            {"id": "page", "property": "children"},
            {"id": "nav", "property": "children"},
            {"id": "freshness", "property": "children"},
        ],
        "inputs": [
            {"id": "url", "property": "pathname", "value": "/trending"},
            {"id": "url", "property": "search", "value": ""},
            {"id": "browser-tz", "property": "data", "value": "UTC"},
        ],
        "changedPropIds": ["url.pathname"],
    }
    assert client.post("/_dash-update-component", json=body).status_code == 200
    after_load = dict(data.queries)
    for _ in range(3):
        assert "page-content" in refresh_call(client, "/trending", zone="UTC")
    assert dict(data.queries) == after_load  # the timer's re-renders in the same tick reuse it
    assert after_load["trending_now"] == 2  # now and 15 minutes ago, once each
