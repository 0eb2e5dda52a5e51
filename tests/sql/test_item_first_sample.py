"""Each item's first sample time kept as state (item_first_sample, migration 0067): the write path
and a re-key keep it equal to the earliest stored sample, its audit reports a wrong value, and one
article's queries read through it (`article_deltas`) give the same rows as the old definitions
over the whole `item_deltas` view, on a real DuckDB file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tracker import audits, catalog, timeseries
from tracker.collector import Sample
from tracker.store import Store

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "first.duckdb") as s:
        yield s


def _kept(store: Store, item_id: int) -> datetime | None:
    return store.scalar("select ts from item_first_sample where item_id = ?", [item_id])


def test_the_write_path_keeps_each_items_earliest_sample(store):
    item, _ = catalog.ensure_item(store, "reddit", "a", T0)
    assert _kept(store, item) is None
    timeseries.write(store, [Sample("reddit", "a", _h(h), {"score": 10 * h}) for h in (2, 3, 4)])
    assert _kept(store, item) == _h(2)
    # a new metric later, then a late row before the first: only the late one lowers it
    timeseries.write(store, [Sample("reddit", "a", _h(5), {"comments": 1})])
    assert _kept(store, item) == _h(2)
    timeseries.write(store, [Sample("reddit", "a", _h(1), {"comments": 0})])
    assert _kept(store, item) == _h(1)
    # the same rows again: nothing written, nothing changes
    again = [Sample("reddit", "a", _h(h), {"score": 10 * h}) for h in (2, 3, 4)]
    assert timeseries.write(store, again) == 0
    assert _kept(store, item) == _h(1)
    timeseries.write_rows(store, [(item, "score", _h(0.5), 0)])  # the item-id path
    assert _kept(store, item) == _h(0.5)
    assert store.scalar("select count(*) from item_first_sample") == 1
    assert audits.failures(store) == []


def test_a_rekey_moves_the_first_sample_to_the_surviving_item(store):
    moved, _ = catalog.ensure_item(store, "bluesky", "by-handle", T0)
    keep, _ = catalog.ensure_item(store, "bluesky", "did", T0)
    timeseries.write(store, [Sample("bluesky", "did", _h(6), {"likes": 4})])
    timeseries.write(store, [Sample("bluesky", "by-handle", _h(3), {"likes": 3})])
    assert catalog.rekey_item(store, moved, "bluesky", "did") == keep
    assert _kept(store, keep) == _h(3)
    assert _kept(store, moved) is None
    assert audits.failures(store) == []


def test_a_wrong_first_sample_is_reported_by_its_audit(store):
    item, _ = catalog.ensure_item(store, "x", "d", T0)
    timeseries.write(store, [Sample("x", "d", _h(h), {"likes": h}) for h in (2, 3)])
    with store.transaction() as cur:
        cur.execute("update item_first_sample set ts = ?", [_h(2.5)])
    [failed] = audits.failures(store)
    assert failed.name == "item_first_sample"
    assert failed.rows["actual_ts"].to_list() == [_h(2)]
    with store.transaction() as cur:
        cur.execute("delete from item_first_sample")
    [failed] = audits.failures(store)
    assert failed.rows["item_id"].to_list() == [item]


def _three_articles(store: Store) -> list[int]:
    """Three articles with posts on two platforms over different spans, late rows, a count that
    goes down, and a post tracked for itself."""
    ids = []
    for k in range(3):
        aid, _ = catalog.upsert_article(store, f"https://news.example.com/{k}/", _h(10 * k), "manual")
        ids.append(aid)
        for platform in ("reddit", "bluesky"):
            catalog.ensure_item(store, platform, f"{k}", _h(10 * k), article_id=aid, created_at=_h(10 * k))
        for step in range(12):
            at = _h(10 * k + 2.5 * step)
            timeseries.write(
                store,
                [
                    Sample("reddit", f"{k}", at, {"score": 7 * step + k, "comments": step}),
                    Sample(
                        "bluesky",
                        f"{k}",
                        at + timedelta(minutes=7),
                        {"likes": 3 * step, "reposts": step // 2},
                    ),
                ],
            )
    catalog.ensure_item(store, "reddit", "own", T0)
    timeseries.write(store, [Sample("reddit", "own", _h(h), {"score": h}) for h in (1, 20, 40)])
    timeseries.write(store, [Sample("reddit", "1", _h(10.3), {"score": 2})])  # late
    timeseries.write(store, [Sample("reddit", "2", _h(60), {"score": 1})])  # goes down
    timeseries.write(store, [Sample("bluesky", "0", _h(-3), {"likes": 0})])  # before the article
    return ids


OLD_SERIES = """select e.platform, e.metric, e.ts, e.value from engagement as e
                where e.article_id = $article_id order by e.metric, e.platform, e.ts"""
OLD_TIMELINE = """with d as (
    select platform, ts, delta from item_deltas
    where article_id = $article_id
      and case when $metric = 'interactions' then is_interaction(metric) else metric = $metric end)
select platform, ts,
       cast(sum(sum(delta)) over (partition by platform order by ts
            rows between unbounded preceding and current row) as bigint) as value
from d group by platform, ts order by platform, ts"""
OLD_HOURLY = """select platform, time_bucket(interval 1 hour, ts) as hour, sum(delta)::bigint as gained
from item_deltas
where article_id = $article_id
  and case when $metric = 'interactions' then is_interaction(metric) else metric = $metric end
group by all order by platform, hour"""


def test_one_articles_queries_equal_the_old_definitions(store):
    ids = _three_articles(store)
    assert audits.failures(store) == []
    for aid in [*ids, 999]:
        new = store.df("select * from article_deltas($a) order by item_id, metric, ts", {"a": aid})
        old = store.df(
            "select * from item_deltas where article_id = $a order by item_id, metric, ts", {"a": aid}
        )
        assert_frame_equal(new, old)
        assert_frame_equal(
            store.named("article_series", article_id=aid), store.df(OLD_SERIES, {"article_id": aid})
        )
        for metric in ("interactions", "score", "likes"):
            params = {"article_id": aid, "metric": metric}
            assert_frame_equal(store.named("article_timeline", **params), store.df(OLD_TIMELINE, params))
            assert_frame_equal(store.named("article_hourly", **params), store.df(OLD_HOURLY, params))
    assert store.named("article_series", article_id=ids[0]).height > 40
    assert store.named("article_series", article_id=999).height == 0


def test_an_untracked_items_samples_stay_out_of_the_article(store):
    ids = _three_articles(store)
    series = store.named("article_series", article_id=ids[0])
    assert set(series["platform"]) == {"reddit", "bluesky"}
    # the post tracked for itself has its own first sample, but no article's rows include it
    own = store.scalar("select item_id from items where item_key = 'own'")
    assert _kept(store, own) == _h(1)
    everything = pl.concat([store.df("select * from article_deltas($a)", {"a": a}) for a in ids])
    assert own not in everything["item_id"].to_list()
