"""Stale while revalidate: the warmer recomputes the views readers asked for as each refresh tick
begins, readers meanwhile get the previous tick's answers at once, and nothing is computed twice
in a tick whatever the number of readers. Driven tick by tick (`Ticking`, `Data.warm`) on the
seeded DuckDB file; the last tests run the real warmer thread behind a real app over HTTP."""

from __future__ import annotations

import logging
import threading
import time

import httpx
import pytest

from dashboards import create_app
from dashboards import data as data_module
from dashboards.components import freshness_badge
from dashboards.data import MAX_VIEWS, Data, Served
from tests.dashboards.conftest import Seeded
from tracker.clock import FrozenClock
from tracker.errors import QueryError
from tracker.owner.background import BackgroundServer

SUMMIT = "Summit ends in surprise deal"
HEATWAVE = "Heatwave breaks decade-old record"
WARMER_THREAD = "warm-test"


class Ticking(Data):
    """Data whose refresh tick the test moves."""

    at = 0

    def tick(self) -> int:
        return self.at


def popular(data: Data) -> list[str]:
    return [str(t) for t in data.most_popular("24h").rows["title"]]


def ticking(seeded: Seeded) -> Ticking:
    return Ticking(seeded.store, FrozenClock(seeded.now), ttl_s=60)


def heatwave_leaps_ahead(seeded: Seeded) -> None:
    seeded.write("reddit", "r2", seeded.now, score=5000, comments=15)


def test_readers_get_the_previous_answer_while_the_warmer_recomputes_then_the_new_one(
    seeded: Seeded,
) -> None:
    data = ticking(seeded)
    computed, release = threading.Event(), threading.Event()

    def page(d: Data) -> list[str]:
        titles = popular(d)
        if threading.current_thread().name == WARMER_THREAD:
            computed.set()  # the new ranking is computed (staged), not yet published
            assert release.wait(30)
        return titles

    before, served = data.view("page", page)
    assert before == [SUMMIT, HEATWAVE] and not served.stale
    heatwave_leaps_ahead(seeded)
    data.at = 1
    warmer = threading.Thread(target=data.warm, name=WARMER_THREAD)
    warmer.start()
    assert computed.wait(30)
    during, served = data.view("page", page)
    assert during == before  # at once: the reader did not wait for the warmer
    assert served.stale and served.computed_at is not None and served.computed_at <= time.time()
    assert data.queries["ranking"] == 2  # the first reader's and the warmer's, none for this reader
    release.set()
    warmer.join(30)
    after, served = data.view("page", page)
    assert after == [HEATWAVE, SUMMIT] and not served.stale
    assert data.queries["ranking"] == 2


def test_each_view_is_computed_once_per_tick_whatever_the_readers(seeded: Seeded) -> None:
    data = ticking(seeded)
    answers: list[list[str]] = []

    def readers(count: int, warmer: bool = False) -> None:
        barrier = threading.Barrier(count + warmer)

        def read() -> None:
            barrier.wait()
            answers.append(data.view("page", popular)[0])

        def warm() -> None:
            barrier.wait()
            data.warm()

        threads = [threading.Thread(target=read) for _ in range(count)]
        threads += [threading.Thread(target=warm)] if warmer else []
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

    readers(30)  # a cold view: the readers share one computation
    assert data.queries["ranking"] == 1
    heatwave_leaps_ahead(seeded)
    for tick in (1, 2, 3):
        data.at = tick
        readers(30, warmer=True)  # the warmer races thirty readers
        assert data.queries["ranking"] == 1 + tick
        readers(30)  # after the warmer: every reader gets the new answer, nothing computed
        assert data.queries["ranking"] == 1 + tick
        assert answers[-30:] == [[HEATWAVE, SUMMIT]] * 30
    assert {tuple(a) for a in answers} <= {(SUMMIT, HEATWAVE), (HEATWAVE, SUMMIT)}
    assert len(answers) == 30 + 3 * 60


def test_views_nobody_asks_for_are_forgotten_and_then_computed_on_demand(seeded: Seeded) -> None:
    data = ticking(seeded)
    data.view("page", popular)
    data.at = 1
    assert data.warm() == 1
    data.at = 2
    assert data.warm() == 1  # asked two ticks ago: still warmed (a reader's timer jitters)
    data.at = 3
    assert data.warm() == 0  # nobody asked for three ticks: forgotten
    heatwave_leaps_ahead(seeded)
    titles, served = data.view("page", popular)
    assert titles == [HEATWAVE, SUMMIT] and not served.stale  # computed for its reader, not stale
    assert data.queries["ranking"] == 4


def test_views_and_answers_are_capped(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    data = ticking(seeded)
    for i in range(MAX_VIEWS + 10):
        data.view(("box", i), lambda d: d.freshness())
    data.at = 1
    assert data.warm() == MAX_VIEWS  # the oldest ten were dropped
    monkeypatch.setattr(data_module, "MAX_ENTRIES", 3)
    for article_id in range(1, 8):
        data.article(article_id)
    assert data.answers_kept() == 3


def test_a_failing_view_is_logged_once_and_its_readers_keep_the_previous_answer(
    seeded: Seeded, caplog: pytest.LogCaptureFixture
) -> None:
    data = ticking(seeded)
    before, _ = data.view("page", popular)
    seeded.store.cursor().execute("alter table metrics rename to metrics_gone")  # every ranking fails
    caplog.set_level(logging.WARNING, logger="tracker.dashboards")
    for tick in (1, 2):
        data.at = tick
        assert data.warm() == 0
        shown, served = data.view("page", popular)
        assert shown == before and served.stale  # the page still answers, with its previous figures
    failures = [r for r in caplog.records if "dashboard warmer" in r.getMessage()]
    assert len(failures) == 1 and "'page'" in failures[0].getMessage()
    data.at = 3
    data.warm()
    with pytest.raises(
        QueryError, match="metrics"
    ):  # too old to show: its reader computes it, as without a warmer
        data.view("page", popular)
    seeded.store.cursor().execute("alter table metrics_gone rename to metrics")
    data.at = 4
    assert data.warm() == 1
    assert data.view("page", popular) == (before, Served())
    assert len([r for r in caplog.records if "dashboard warmer" in r.getMessage()]) == 1


def test_the_badge_says_how_old_figures_shown_during_a_recomputation_are(seeded: Seeded) -> None:
    from zoneinfo import ZoneInfo

    fresh = freshness_badge(seeded.now, seeded.now, ZoneInfo("UTC"), Served())
    assert "updating" not in str(fresh)
    shown = freshness_badge(seeded.now, seeded.now, ZoneInfo("UTC"), Served(True, time.time() - 45))
    assert "figures from 45 s ago, updating" in str(shown)


def test_the_warmer_thread_keeps_a_real_app_warm_and_stops_with_it(seeded: Seeded) -> None:
    """Real HTTP, the wall clock, 3-second ticks: after the first reader, the box's ranking is
    recomputed by the warmer at each tick (its `as_of` moves on) and never by a reader."""
    app = create_app(seeded.store, refresh_s=3.0)
    data: Data = app.server.extensions["tracker_data"]
    server = BackgroundServer(app.server, name="warm-app").start()
    url = f"{server.url}/api/most-popular?window=24h&limit=5"
    try:
        first = httpx.get(url, timeout=30).json()
        warmer = next(t for t in threading.enumerate() if t.name == f"dashboard-warmer-{id(data):x}")
        seen = {first["as_of"]}
        deadline = time.monotonic() + 60
        while data.warm_passes < 3 and time.monotonic() < deadline:
            answer = httpx.get(url, timeout=30)
            assert answer.status_code == 200
            assert [a["title"] for a in answer.json()["articles"]] == [SUMMIT, HEATWAVE]
            seen.add(answer.json()["as_of"])
            time.sleep(0.2)
        assert data.warm_passes >= 3
        assert len(seen) >= 2  # recomputed as time went by
        assert data.reader_queries["ranking"] == 1  # the first reader's; then only the warmer's
        assert data.queries["ranking"] > 1
    finally:
        server.stop()
        assert app.server.extensions["tracker_close"]()
    warmer.join(5)
    assert not warmer.is_alive()


def test_every_page_default_view_and_the_box_are_warm_before_anyone_opens_them(seeded: Seeded) -> None:
    app = create_app(seeded.store, refresh_s=3600)
    data: Data = app.server.extensions["tracker_data"]
    assert sum(data.queries.values()) == 0  # nothing is computed when the app is made
    assert data.warm() == 4  # Most Popular, Trending, Health, and the box's default
    warmed = {name: data.queries[name] for name in ("ranking", "trending_now", "health")}
    assert all(warmed.values())
    client = app.server.test_client()
    box = client.get("/api/most-popular").get_json()
    assert [a["title"] for a in box["articles"]] == [SUMMIT, HEATWAVE]
    for path in ("/", "/trending", "/health"):
        body = {
            "output": "..page.children...nav.children...freshness.children..",
            "outputs": [
                {"id": "page", "property": "children"},
                {"id": "nav", "property": "children"},
                {"id": "freshness", "property": "children"},
            ],
            "inputs": [
                {"id": "url", "property": "pathname", "value": path},
                {"id": "url", "property": "search", "value": ""},
                {"id": "browser-tz", "property": "data", "value": "UTC"},
            ],
            "changedPropIds": ["url.pathname"],
        }
        assert client.post("/_dash-update-component", json=body).status_code == 200
    # The first editor on each page and the box got the warmer's answers: no ranking computed.
    assert {name: data.queries[name] for name in warmed} == warmed
    assert app.server.extensions["tracker_close"]()


def test_after_a_pass_slower_than_a_tick_readers_keep_its_answers_until_the_next_pass(
    seeded: Seeded,
) -> None:
    """A pass that outlasted MAX_STALE_TICKS ticks (a starved machine) publishes answers already
    that old: until the next pass begins, readers are shown them (marked stale) instead of each
    computing the ranking again on their click (an article's trending line seconds late)."""
    data = ticking(seeded)
    computing, release = threading.Event(), threading.Event()

    def page(d: Data) -> list[str]:
        titles = popular(d)
        if threading.current_thread().name == WARMER_THREAD:
            computing.set()
            assert release.wait(30)
        return titles

    data.view("page", page)
    data.at = 1
    warmer = threading.Thread(target=data.warm, name=WARMER_THREAD)
    warmer.start()
    assert computing.wait(30)
    data.at = 1 + data_module.MAX_STALE_TICKS + 1  # the pass ends ticks after it began
    release.set()
    warmer.join(30)
    shown, served = data.view("page", page)
    assert shown == [SUMMIT, HEATWAVE] and served.stale
    assert data.reader_queries["ranking"] == 1  # the first reader's only: none at the late tick
    data.warm()  # the next pass (at the tick it begins) brings them up to date
    shown, served = data.view("page", page)
    assert not served.stale and data.reader_queries["ranking"] == 1
