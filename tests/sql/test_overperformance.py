"""Overperformance on small series computed by hand: age marks interpolated from the samples
around each mark and written only once settled, the expected curve as the trimmed mean (middle
50%) of the site's last N articles with its fallbacks, and the ratio in the ranking rows (below 1
for an underperformer), with the forecast columns from the forecasts view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracker import age_marks, analytics_settings, catalog, timeseries
from tracker.collector import Sample
from tracker.config import TrendingConfig
from tracker.store import Store

BORN = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "o.duckdb") as s:
        yield s


def _article(
    store: Store, slug: str, born: datetime, site: str = "one.example", platform: str = "bluesky"
) -> int:
    aid, _ = catalog.upsert_article(
        store, f"https://{site}/{slug}/", born, "manual", title=slug, published_at=born
    )
    catalog.ensure_item(store, platform, slug, born, article_id=aid, created_at=born)
    return aid


def _h(hours: float, base: datetime = BORN) -> datetime:
    return base + timedelta(hours=hours)


def _marks(store: Store) -> dict[tuple[int, str], float]:
    rows = store.df("select mark_h, metric, value from age_marks order by mark_h, metric").rows()
    return {(m, metric): v for m, metric, v in rows}


def test_a_mark_is_interpolated_between_the_samples_around_it_and_waits_until_settled(store):
    aid = _article(store, "a", BORN)
    timeseries.write(
        store,
        [Sample("bluesky", "a", _h(t), {"likes": v}) for t, v in ((0.5, 10), (1.5, 30), (2.5, 50))],
    )
    # A second post of the same article, made 1.2 h in, sampled once at 1.5 h.
    catalog.ensure_item(store, "bluesky", "a2", _h(1.2), article_id=aid, created_at=_h(1.2))
    timeseries.write(store, [Sample("bluesky", "a2", _h(1.5), {"likes": 6})])

    age_marks.refresh(store, _h(2.6))
    # 1 h: 10 + 20 x 0.5 = 20 on the first post; the second did not exist yet (0).
    # 2 h: the second post has no sample after 2 h, so the mark waits.
    assert _marks(store) == {(1, "likes"): 20.0}

    age_marks.refresh(store, _h(26.5))  # 24 h after the 2 h mark: the last value holds
    marks = _marks(store)
    assert marks[(2, "likes")] == 40.0 + 6.0
    assert marks[(1, "likes")] == 20.0  # written once, never rewritten
    assert (24, "likes") not in marks  # no sample after 24 h yet: it waits until 48 h
    assert age_marks.refresh(store, _h(26.5)) == 0  # nothing new
    age_marks.refresh(store, _h(72.5))
    marks = _marks(store)
    assert marks[(24, "likes")] == marks[(48, "likes")] == 50.0 + 6.0  # flat after the last samples
    assert (168, "likes") not in marks  # not due yet


def test_a_mark_before_any_sample_is_on_the_line_from_birth(store):
    _article(store, "b", BORN)
    timeseries.write(store, [Sample("bluesky", "b", _h(4), {"likes": 80})])
    age_marks.refresh(store, _h(4.5))
    marks = _marks(store)
    assert marks[(1, "likes")] == pytest.approx(20.0)  # 80 x 1/4
    assert marks[(3, "likes")] == pytest.approx(60.0)


def _history(store: Store, values: list[float], site: str = "one.example", mark_h: int = 3) -> None:
    """Articles born an hour apart (oldest first) with these interactions at `mark_h`."""
    for k, v in enumerate(values):
        born = _h(k)
        aid = _article(store, f"{site}-{k}", born, site=site)
        with store.transaction() as cur:
            cur.execute(
                "insert into age_marks (article_id, site, platform, metric, mark_h, born_at, value, filled_at) "
                "values (?, ?, 'bluesky', 'likes', ?, ?, ?, ?)",
                [aid, site, mark_h, born, v, _h(500)],
            )


def _curve(store: Store, site: str | None, mark_h: int = 3) -> tuple[float | None, str]:
    rows = store.df(
        "select expected, basis from expected_curves(as_of := $t) where site is not distinct from $s and mark_h = $m",
        {"t": _h(500), "s": site, "m": mark_h},
    ).rows()
    assert len(rows) == 1
    return rows[0]


def test_the_expected_curve_is_the_trimmed_mean_of_the_sites_last_articles(store):
    _history(store, [1, 2, 3, 4, 5, 6, 7, 100])
    analytics_settings.apply(store, TrendingConfig(expected_articles=100, expected_min_articles=3))
    # 8 values: drop the lowest 2 and the highest 2, the mean of 3, 4, 5, 6.
    assert _curve(store, "one.example") == (4.5, "site 8 articles")
    analytics_settings.apply(store, TrendingConfig(expected_articles=6, expected_min_articles=3))
    # The last 6 by birth: 3 ... 7, 100; drop one at each end: the mean of 4, 5, 6, 7.
    assert _curve(store, "one.example") == (5.5, "site 6 articles")


def test_a_site_with_too_little_history_falls_back_to_all_sites_then_to_none(store):
    _history(store, [10, 20, 30, 40])
    _history(store, [1000], site="two.example")
    analytics_settings.apply(store, TrendingConfig(expected_min_articles=3))
    # All sites: 10, 20, 30, 40, 1000 -> drop one at each end -> mean of 20, 30, 40.
    assert _curve(store, "two.example") == (30.0, "overall 5 articles")
    assert _curve(store, None) == (30.0, "overall 5 articles")
    analytics_settings.apply(store, TrendingConfig(expected_min_articles=6))
    assert _curve(store, "one.example") == (None, "too little history")


def test_rankings_carry_expected_interactions_and_the_overperformance_ratio(store):
    _history(store, [2, 4, 5, 6])  # trimmed mean at 3 h: (4 + 5) / 2 = 4.5
    analytics_settings.apply(store, TrendingConfig(expected_min_articles=3))
    now = _h(300)
    for slug, total in (("hot", 9), ("cold", 1.5 * 2)):
        _article(store, slug, now - timedelta(hours=3))
        timeseries.write(
            store,
            [
                Sample("bluesky", slug, now - timedelta(hours=2), {"likes": 0}),
                Sample("bluesky", slug, now - timedelta(minutes=1), {"likes": int(total)}),
            ],
        )
    for macro in ("trending(as_of := $t)", "most_popular('6h', as_of := $t)"):
        rows = {
            r["title"]: r
            for r in store.df(
                f"select title, total_interactions, expected_interactions, overperformance, expected_basis, "
                f"forecast_interactions, forecast_low, forecast_high from {macro}",
                {"t": now},
            ).iter_rows(named=True)
        }
        assert rows["hot"]["expected_interactions"] == pytest.approx(4.5)  # age exactly 3 h: the 3 h mark
        assert rows["hot"]["overperformance"] == pytest.approx(9 / 4.5)
        assert rows["cold"]["overperformance"] == pytest.approx(3 / 4.5)  # below 1: underperforming
        assert rows["hot"]["expected_basis"] == "site 4 articles"
        assert rows["hot"]["forecast_interactions"] is None  # no forecast made yet


def test_between_marks_the_expectation_is_interpolated_and_without_history_it_is_null(store):
    now = _h(300)
    aid = _article(store, "young", now - timedelta(hours=2.5))
    timeseries.write(store, [Sample("bluesky", "young", now - timedelta(minutes=1), {"likes": 7})])
    row = store.df(
        "select expected_interactions, overperformance, expected_basis from trending(as_of := $t)", {"t": now}
    ).row(0)
    assert row == (None, None, "too little history")
    for k, (v2, v3) in enumerate(((2.0, 4.0), (2.0, 4.0), (2.0, 4.0))):
        other = _article(store, f"old-{k}", _h(k))
        with store.transaction() as cur:
            for mark, v in ((2, v2), (3, v3)):
                cur.execute(
                    "insert into age_marks (article_id, site, platform, metric, mark_h, born_at, value, filled_at) "
                    "values (?, 'one.example', 'bluesky', 'likes', ?, ?, ?, ?)",
                    [other, mark, _h(k), v, _h(9)],
                )
    analytics_settings.apply(store, TrendingConfig(expected_min_articles=3))
    expected = store.df(
        "select article_id, age_h, expected_interactions from article_expectations(as_of := $t)", {"t": now}
    ).filter(article_id=aid)
    assert expected["age_h"][0] == pytest.approx(2.5)
    assert expected["expected_interactions"][0] == pytest.approx(3.0)  # halfway from 2 (2 h) to 4 (3 h)


def test_the_daemon_writes_the_marks_that_came_due(tmp_path):
    import dataclasses
    import time

    from tracker.clock import FrozenClock
    from tracker.config import Config
    from tracker.owner.daemon import Daemon
    from tracker.service import open_collection

    base = Config()
    config = dataclasses.replace(
        base, storage=dataclasses.replace(base.storage, path=str(tmp_path / "d.duckdb"))
    )
    opened = open_collection(config, clock=FrozenClock(_h(30)), platforms={})
    daemon = Daemon(opened)
    store = opened.collection.store
    try:
        _article(store, "a", BORN)
        timeseries.write(store, [Sample("bluesky", "a", _h(t), {"likes": 10 * t}) for t in (0, 4, 8, 28)])
        assert "age_marks" in daemon.reconcile()
        daemon.scheduler.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and store.scalar("select count(*) from age_marks") < 6:
            time.sleep(0.1)
        marks = _marks(store)
    finally:
        daemon.shutdown()
        opened.close()
    # Marks 1 ... 24 h are due at 30 h and bracketed by samples: 10 per hour.
    assert marks == {(h, "likes"): 10.0 * h for h in (1, 2, 3, 6, 12, 24)}


def test_rankings_carry_the_horizon_forecast_summed_over_platforms(store):
    now = _h(300)
    aid = _article(store, "f", now - timedelta(hours=2))
    catalog.ensure_item(store, "reddit", "f-r", now - timedelta(hours=2), article_id=aid, created_at=now)
    timeseries.write(
        store,
        [
            Sample("bluesky", "f", now - timedelta(minutes=30), {"likes": 10}),
            Sample("reddit", "f-r", now - timedelta(minutes=30), {"score": 30}),
        ],
    )
    with store.transaction() as cur:
        for made, platform, target, pred, low, high in (
            (now - timedelta(hours=1), "bluesky", "horizon", 50.0, 40.0, 90.0),  # superseded
            (now, "bluesky", "horizon", 100.0, 60.0, 180.0),
            (now, "reddit", "horizon", 300.0, 200.0, 500.0),
            (now, "reddit", "double", 70.0, 50.0, 90.0),  # another target: not this column
        ):
            cur.execute(
                "insert into forecast_rows values (?, 'article', ?, ?, 'one.example', ?, 604800, 7200, ?, 40,"
                " [1.0, 2.0, 3.0, 4.0], null, ?, ?, ?, 'm', 'm/1', false, 'test')",
                [made, aid, platform, target, made, pred, low, high],
            )
    both = store.df(
        "select forecast_interactions, forecast_low, forecast_high from trending(as_of := $t)", {"t": now}
    ).row(0)
    assert both == (400.0, 260.0, 680.0)  # bluesky's latest + reddit's, bounds summed
    one = store.df(
        "select forecast_interactions, forecast_low, forecast_high from most_popular('6h', as_of := $t, "
        "on_platform := 'reddit')",
        {"t": now},
    ).row(0)
    assert one == (300.0, 200.0, 500.0)


def test_an_articles_birth_is_its_earliest_post_or_its_published_or_discovered_time(store):
    """article_born_at by hand: the earliest post creation, where a post without a creation time
    counts as the article's published time, then the published time, then when it was found."""
    both, _ = catalog.upsert_article(store, "https://one.example/both/", _h(5), "manual", published_at=_h(3))
    catalog.ensure_item(store, "bluesky", "b1", _h(5), article_id=both, created_at=_h(4))
    catalog.ensure_item(store, "reddit", "b2", _h(5), article_id=both)  # no creation: counts as 3 h
    early, _ = catalog.upsert_article(
        store, "https://one.example/early/", _h(5), "manual", published_at=_h(3)
    )
    catalog.ensure_item(store, "bluesky", "e1", _h(5), article_id=early, created_at=_h(1))
    catalog.ensure_item(store, "reddit", "e2", _h(5), article_id=early)  # 3 h, later than 1 h
    bare, _ = catalog.upsert_article(store, "https://one.example/bare/", _h(7), "manual")
    catalog.ensure_item(store, "bluesky", "n1", _h(7), article_id=bare)  # nothing known: found at 7 h
    created, _ = catalog.upsert_article(store, "https://one.example/created/", _h(7), "manual")
    catalog.ensure_item(store, "bluesky", "c1", _h(7), article_id=created, created_at=_h(6))
    catalog.upsert_article(store, "https://one.example/no-posts/", _h(8), "manual", published_at=_h(2))

    born = dict(store.df("select article_id, born_at from article_born_at()").rows())
    assert born == {both: _h(3), early: _h(1), bare: _h(7), created: _h(6)}
