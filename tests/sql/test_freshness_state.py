"""The freshness badge's one-row state (newest_article_sample, migration 0066): the write path and
the catalog keep it equal to the newest sample of an item that shares an article, and the
freshness query gives the same answer from it as found live from the stored series, at every
as_of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracker import audits, catalog, timeseries
from tracker.collector import Sample
from tracker.store import Store

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "fresh.duckdb") as s:
        yield s


def _kept(store: Store) -> datetime | None:
    return store.scalar("select ts from newest_article_sample")


def _freshness_live_and_kept(store: Store, as_of: datetime | None) -> tuple[object, object]:
    """The badge read through the state, and with the state set aside (the live computation)."""
    kept = store.named("freshness", as_of=as_of).item()
    saved = _kept(store)
    with store.transaction() as cur:
        cur.execute("update newest_article_sample set ts = null")
    try:
        live = store.named("freshness", as_of=as_of).item()
    finally:
        with store.transaction() as cur:
            cur.execute("update newest_article_sample set ts = ?", [saved])
    return kept, live


def test_the_write_path_keeps_the_newest_sample_of_a_story(store):
    assert store.scalar("select count(*) from newest_article_sample") == 1
    assert _kept(store) is None
    aid, _ = catalog.upsert_article(store, "https://news.example.com/a/", T0, "manual", title="a")
    catalog.ensure_item(store, "reddit", "a", T0, article_id=aid, created_at=T0)
    catalog.ensure_item(store, "reddit", "own", T0)  # a post tracked for itself: no article
    timeseries.write(store, [Sample("reddit", "a", _h(h), {"score": 10 * h}) for h in (1, 2, 3)])
    assert _kept(store) == _h(3)
    timeseries.write(store, [Sample("reddit", "own", _h(9), {"score": 1})])
    assert _kept(store) == _h(3)  # not a story's sample
    timeseries.write(store, [Sample("reddit", "a", _h(0.5), {"score": 1, "comments": 2})])  # late rows
    assert _kept(store) == _h(3)
    timeseries.write_rows(store, [(1, "comments", _h(4), 5)])  # the item-id path
    assert _kept(store) == _h(4)
    assert audits.failures(store) == []


def test_linking_an_item_with_samples_to_an_article_raises_it(store):
    catalog.ensure_item(store, "bluesky", "p", T0)
    timeseries.write(store, [Sample("bluesky", "p", _h(5), {"likes": 3})])
    assert _kept(store) is None
    aid, _ = catalog.upsert_article(store, "https://news.example.com/b/", T0, "manual")
    catalog.ensure_item(store, "bluesky", "p", T0, article_id=aid)  # now it shares the article
    assert _kept(store) == _h(5)
    assert audits.failures(store) == []


def test_a_rekey_that_gives_the_samples_an_article_raises_it(store):
    aid, _ = catalog.upsert_article(store, "https://news.example.com/c/", T0, "manual")
    shared, _ = catalog.ensure_item(store, "bluesky", "by-handle", T0, article_id=aid)
    catalog.ensure_item(store, "bluesky", "did", T0)  # the same post, tracked without the article
    timeseries.write(store, [Sample("bluesky", "did", _h(7), {"likes": 4})])
    timeseries.write(store, [Sample("bluesky", "by-handle", _h(6), {"likes": 3})])
    assert _kept(store) == _h(6)
    catalog.rekey_item(store, shared, "bluesky", "did")  # "did" keeps the samples and the article
    assert _kept(store) == _h(7)
    assert audits.failures(store) == []


def test_freshness_from_the_state_equals_the_live_answer_at_every_as_of(store):
    for k in range(3):
        aid, _ = catalog.upsert_article(store, f"https://news.example.com/{k}/", T0, "manual")
        catalog.ensure_item(store, "x", f"{k}", T0, article_id=aid)
        timeseries.write(store, [Sample("x", f"{k}", _h(h + k), {"likes": h}) for h in (0, 2, 5)])
    catalog.ensure_item(store, "x", "own", T0)
    timeseries.write(store, [Sample("x", "own", _h(20), {"likes": 1})])
    assert _kept(store) == _h(7)
    for as_of in (_h(-1), _h(0), _h(1.5), _h(3), _h(6.9), _h(7), _h(30), None):
        kept, live = _freshness_live_and_kept(store, as_of)
        assert kept == live, as_of
    assert store.named("freshness", as_of=_h(3)).item() == _h(3)
    assert store.named("freshness", as_of=_h(30)).item() == _h(7)


def test_a_wrong_state_is_reported_by_its_audit(store):
    aid, _ = catalog.upsert_article(store, "https://news.example.com/d/", T0, "manual")
    catalog.ensure_item(store, "x", "d", T0, article_id=aid)
    timeseries.write(store, [Sample("x", "d", _h(2), {"likes": 1})])
    with store.transaction() as cur:
        cur.execute("update newest_article_sample set ts = ?", [_h(1)])
    [failed] = audits.failures(store)
    assert failed.name == "newest_article_sample"
    assert failed.rows["actual_ts"].to_list() == [_h(2)]
