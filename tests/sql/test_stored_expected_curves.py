"""The expected curves the age-marks job stores (stored_expected_curves, migration 0065) give the
same curves, expectations and rankings as computing them live from age_marks, on a real DuckDB
file; they are read only when as_of is at or after the moment they were computed for and the
settings behind them are unchanged, and computed live otherwise."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tracker import age_marks, analytics_settings, catalog, timeseries
from tracker.collector import Sample
from tracker.config import TrendingConfig
from tracker.store import Store

BORN = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
NOW = BORN + timedelta(days=12)
SITES = ("one.example", "two.example", "three.example")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Forty articles on three sites, born every 7 h, each shared on two platforms and sampled
    with site- and platform-specific growth, the marks filled and the curves stored at NOW."""
    path = tmp_path_factory.mktemp("curves") / "curves.duckdb"
    with Store.open(path) as s:
        analytics_settings.apply(s, TrendingConfig(expected_articles=12, expected_min_articles=4))
        samples = []
        for k in range(40):
            born = BORN + timedelta(hours=7 * k)
            site = SITES[k % 3] if k % 5 else SITES[0]
            aid, _ = catalog.upsert_article(
                s, f"https://{site}/{k}/", born, "manual", title=f"story {k}", published_at=born
            )
            for p, platform in enumerate(("bluesky", "reddit")):
                catalog.ensure_item(s, platform, f"{k}", born, article_id=aid, created_at=born)
                total = 50 + (k * 37 % 23) * (p + 1) * (1 + SITES.index(site))
                for hours in (0.5, 1.5, 2.5, 4, 7, 13, 26, 50, 80, 170, 260):
                    ts = born + timedelta(hours=hours)
                    if ts <= NOW:
                        value = int(total * (1 - 0.5 ** (hours / (3 + k % 4))))
                        metrics = {"likes": value, "reposts": value // 3}
                        samples.append(Sample(platform, f"{k}", ts, metrics))
        timeseries.write(s, samples)
        assert age_marks.refresh(s, NOW) > 0
    return path


@pytest.fixture
def store(built, tmp_path):
    """A copy of the built file for each test (some change it)."""
    path = tmp_path / "curves.duckdb"
    shutil.copy(built, path)
    with Store.open(path) as s:
        yield s


def _live(store: Store, sql: str, params: dict[str, object]) -> pl.DataFrame:
    """The same query with the stored curves set aside (restored after): the live computation."""
    with store.transaction() as cur:
        cur.execute("create temp table kept as select * from stored_expected_curves")
        cur.execute("delete from stored_expected_curves")
    try:
        return store.df(sql, params)
    finally:
        with store.transaction() as cur:
            cur.execute("insert into stored_expected_curves select * from kept")
            cur.execute("drop table kept")


def _close(stored: pl.DataFrame, live: pl.DataFrame) -> None:
    # Sums of doubles in a parallel aggregate may differ in the last bit between two live runs.
    assert_frame_equal(stored, live, check_exact=False, rel_tol=1e-12, abs_tol=1e-9)


@pytest.mark.parametrize("platform", [None, "bluesky", "reddit"])
def test_stored_curves_equal_expected_curves_at_the_moment_they_were_computed_for(store, platform):
    stored = store.df(
        "select site, mark_h, expected, basis, prev_mark_h, prev_expected from stored_expected_curves "
        "where platform is not distinct from $p order by site nulls first, mark_h",
        {"p": platform},
    )
    live = store.df(
        "select * from expected_curves(as_of := $t, on_platform := $p) order by site nulls first, mark_h",
        {"t": NOW, "p": platform},
    )
    assert stored.height == 4 * 9  # three sites and the all-sites curve, nine marks each
    assert stored["expected"].null_count() < stored.height  # real curves, not only fallbacks
    _close(stored, live)


@pytest.mark.parametrize("platform", [None, "reddit"])
def test_expectations_and_rankings_read_from_stored_curves_equal_the_live_ones(store, platform):
    later = NOW + timedelta(minutes=3)  # between two refreshes: the stored curves serve
    queries = (
        "select * from article_expectations(as_of := $t, on_platform := $p) order by article_id",
        "select * from most_popular('24h', as_of := $t, on_platform := $p) order by rank",
        "select * from trending(as_of := $t, on_platform := $p) order by rank",
    )
    for sql in queries:
        for as_of in (NOW, later):
            params = {"t": as_of, "p": platform}
            stored = store.df(sql, params)
            assert stored.height > 0
            _close(stored, _live(store, sql, params))
    expectations = store.df(queries[0], {"t": NOW, "p": platform})
    assert expectations["expected_interactions"].null_count() < expectations.height


def test_a_past_as_of_or_changed_settings_compute_live(store):
    # A poisoned stored curve shows which path a query took.
    with store.transaction() as cur:
        cur.execute("update stored_expected_curves set expected = -1, prev_expected = -1")
    sql = "select min(expected) from expected_curves_or_stored(as_of := $t)"
    assert store.df(sql, {"t": NOW}).item() == -1  # at the moment they were computed for: stored
    assert store.df(sql, {"t": None}).item() == -1  # now (NULL) is after it: stored
    assert store.df(sql, {"t": NOW - timedelta(hours=1)}).item() > 0  # a past ranking: live
    analytics_settings.apply(store, TrendingConfig(expected_articles=10, expected_min_articles=4))
    assert store.df(sql, {"t": NOW}).item() > 0  # settings changed since: live
    age_marks.refresh(store, NOW)  # no new mark, but the curves no longer match: rewritten
    assert store.df(sql, {"t": NOW}).item() > 0
    assert store.scalar("select count(*) from stored_expected_curves where expected = -1") == 0


def test_the_refresh_rewrites_the_curves_when_it_adds_marks(store):
    before = store.scalar("select max(computed_at) from stored_expected_curves")
    assert before == NOW
    later = NOW + timedelta(hours=8)
    with store.transaction() as cur:  # a new story, sampled past its first marks
        cur.execute("update stored_expected_curves set expected = -1")
    aid, _ = catalog.upsert_article(store, "https://one.example/new/", NOW, "manual", published_at=NOW)
    catalog.ensure_item(store, "bluesky", "new", NOW, article_id=aid, created_at=NOW)
    timeseries.write(
        store, [Sample("bluesky", "new", NOW + timedelta(hours=h), {"likes": 9 * h}) for h in (1, 4, 7)]
    )
    assert age_marks.refresh(store, later) > 0
    assert store.scalar("select max(computed_at) from stored_expected_curves") == later
    assert store.scalar("select count(*) from stored_expected_curves where expected = -1") == 0
    _close(
        store.df(
            "select * from expected_curves_or_stored(as_of := $t) order by site nulls first, mark_h",
            {"t": later},
        ),
        store.df(
            "select * from expected_curves(as_of := $t) order by site nulls first, mark_h", {"t": later}
        ),
    )
