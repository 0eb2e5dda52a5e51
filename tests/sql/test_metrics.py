"""The metric definitions in sql/: engagement sums items with their latest values, writes are
idempotent, absent counts stay absent, gauges stay apart, and the rankings rank."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracker import catalog, timeseries
from tracker.collector import Sample
from tracker.errors import QueryError
from tracker.query import check_read_only, run
from tracker.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "m.duckdb") as s:
        yield s


def _article(store, slug, age_h=3.0):
    aid, _ = catalog.upsert_article(
        store,
        f"https://news.example.com/{slug}/",
        NOW - timedelta(hours=age_h),
        "manual",
        title=slug,
        published_at=NOW - timedelta(hours=age_h),
    )
    return aid


def _item(store, platform, key, aid, age_h=2.0):
    catalog.ensure_item(
        store,
        platform,
        key,
        NOW - timedelta(hours=age_h),
        article_id=aid,
        created_at=NOW - timedelta(hours=age_h),
    )


def _at(minutes_ago: float) -> datetime:
    return NOW - timedelta(minutes=minutes_ago)


def test_engagement_sums_items_with_their_latest_value_at_each_time(store):
    aid = _article(store, "a")
    _item(store, "reddit", "p1", aid)
    _item(store, "reddit", "p2", aid)
    timeseries.write(
        store,
        [
            Sample("reddit", "p1", _at(90), {"score": 10}),
            Sample("reddit", "p2", _at(80), {"score": 5}),
            Sample("reddit", "p1", _at(30), {"score": 50}),
        ],
    )
    rows = store.df("select ts, value from engagement where metric = 'score' order by ts").rows()
    assert rows == [(_at(90), 10), (_at(80), 15), (_at(30), 55)]


def test_writing_the_same_batch_twice_stores_it_once(store):
    aid = _article(store, "a")
    _item(store, "x", "1", aid)
    batch = [Sample("x", "1", _at(10), {"likes": 3, "views": 100})]
    assert timeseries.write(store, batch) == 2
    assert timeseries.write(store, batch) == 0
    assert store.scalar("select count(*) from samples") == 2


def test_absent_count_is_absent_not_zero(store):
    aid = _article(store, "a")
    _item(store, "youtube", "v", aid)
    timeseries.write(store, [Sample("youtube", "v", _at(5), {"views": 912044})])
    metrics = {r[0] for r in store.df("select metric from latest_engagement").rows()}
    assert metrics == {"views"}


def test_samples_of_untracked_items_are_dropped(store):
    timeseries.write(store, [Sample("hackernews", "999", _at(5), {"score": 3}, {"rank": 1.0})])
    assert store.scalar("select count(*) from samples") == 0
    assert store.scalar("select count(*) from gauges") == 0


def test_gauges_are_stored_apart_and_never_summed_into_interactions(store):
    aid = _article(store, "a")
    _item(store, "reddit", "p1", aid)
    timeseries.write(
        store,
        [
            Sample("reddit", "p1", _at(50), {"score": 10}, {"upvote_ratio": 0.9, "rank": 3.0}),
            Sample("reddit", "p1", _at(20), {"score": 30}, {"upvote_ratio": 0.95, "rank": 1.0}),
        ],
    )
    assert store.scalar("select count(*) from gauges") == 4
    [row] = store.df("select interactions from most_popular(interval 1 hour, as_of := $t)", {"t": NOW}).rows()
    # Born 2 h ago, 10 at 50 min ago: 10 * 60 / 70 at the window start, so 30 - 8.57 = 21.4;
    # no ratio or rank in it.
    assert row == (21,)


def test_unknown_metric_name_is_refused_before_anything_is_stored(store):
    aid = _article(store, "a")
    _item(store, "x", "1", aid)
    with pytest.raises(ValueError, match="unknown metric"):
        timeseries.write(
            store, [Sample("x", "1", _at(5), {"likes": 1}), Sample("x", "1", _at(4), {"hearts": 2})]
        )
    assert store.scalar("select count(*) from samples") == 0


def test_most_popular_ranks_by_interactions_gained_in_the_window(store):
    fast, slow, old = _article(store, "fast"), _article(store, "slow"), _article(store, "old", age_h=48)
    _item(store, "bluesky", "f", fast)
    _item(store, "bluesky", "s", slow)
    _item(store, "bluesky", "o", old, age_h=47)
    timeseries.write(
        store,
        [
            Sample("bluesky", "f", _at(50), {"likes": 100, "reposts": 10}),
            Sample("bluesky", "f", _at(5), {"likes": 400, "reposts": 60}),
            Sample("bluesky", "s", _at(50), {"likes": 100}),
            Sample("bluesky", "s", _at(5), {"likes": 150}),
            # An old post first sampled inside the window: its 10,000 likes were not gained now.
            Sample("bluesky", "o", _at(30), {"likes": 10_000}),
            Sample("bluesky", "o", _at(10), {"likes": 10_020}),
        ],
    )
    ranked = store.df(
        "select title, interactions, rank from most_popular(interval 1 hour, as_of := $t)", {"t": NOW}
    ).rows()
    # Window start interpolated from (birth 2 h ago, 0) to the first sample 50 min ago:
    # fast likes 400 - 100 * 60/70 = 314.3 and reposts 60 - 10 * 60/70 = 51.4 -> 365;
    # slow 150 - 85.7 -> 64; old (born 47 h ago) 10,020 - 10,000 * 46/46.5 = 127.5 -> 128, not 10,020.
    assert ranked == [("fast", 365, 1), ("old", 128, 2), ("slow", 64, 3)]
    trending = store.df("select title from trending(as_of := $t)", {"t": NOW}).rows()
    # The old post gains twice what the slow one does, steadily (its interpolated line), and the
    # fitted decay stops falling after about 15 h (docs/metrics.md), so it ranks above "slow".
    assert [t for (t,) in trending] == ["fast", "old", "slow"]
    only_x = store.df(
        "select * from most_popular(interval 1 hour, as_of := $t, on_platform := 'x')", {"t": NOW}
    )
    assert only_x.height == 0


def test_new_post_born_in_window_counts_its_first_sample(store):
    aid = _article(store, "new", age_h=0.5)
    _item(store, "x", "n", aid, age_h=0.4)
    timeseries.write(store, [Sample("x", "n", _at(10), {"likes": 70, "views": 5000})])
    [row] = store.df(
        "select interactions, views from most_popular(interval 1 hour, as_of := $t)", {"t": NOW}
    ).rows()
    assert row == (70, 5000)


@pytest.mark.parametrize(
    "hostile",
    [
        "insert into samples (item_id, metric, ts, value) values (1, 'likes', now(), 1)",
        "drop table samples",
        "select 1; drop table samples",
        "attach '/tmp/evil.duckdb' as evil",
        "copy samples to '/tmp/out.csv'",
        "update items set gone_at = now()",
        "pragma enable_profiling",
        "set enable_external_access = true",
        "",
    ],
)
def test_hostile_sql_is_refused_in_one_line_and_stores_nothing(store, hostile):
    aid = _article(store, "a")
    _item(store, "x", "1", aid)
    timeseries.write(store, [Sample("x", "1", _at(5), {"likes": 1})])
    with pytest.raises(QueryError) as info:
        run(store, hostile)
    assert "\n" not in str(info.value)
    assert store.scalar("select count(*) from samples") == 1
    assert store.scalar("select count(*) from items where gone_at is null") == 1


def test_select_that_reads_host_files_is_refused(store):
    with pytest.raises(QueryError, match=r"not allowed|disabled"):
        run(store, "select * from read_csv('/etc/passwd')")


def test_slow_query_is_interrupted(store):
    with pytest.raises(QueryError, match="longer than"):
        run(store, "select count(*) from range(100000000000) a", timeout_s=0.3)


def test_check_read_only_accepts_select_with_and_explain():
    for ok in (
        "select 1",
        "with a as (select 1) select * from a",
        "explain select 1",
        "SELECT * FROM most_popular(INTERVAL 24 HOUR) LIMIT 5",
    ):
        assert check_read_only(ok)


def test_default_as_of_is_the_time_of_the_query_not_of_the_macro(tmp_path):
    """DuckDB folds a macro's default at CREATE time; ours must still mean 'now' later."""
    import time

    with Store.open(tmp_path / "late.duckdb") as store:
        time.sleep(1.2)  # the macros were created at open; samples come after that
        now = datetime.now(UTC)
        aid, _ = catalog.upsert_article(
            store, "https://news.example.com/late/", now, "manual", title="late", published_at=now
        )
        catalog.ensure_item(store, "x", "l", now, article_id=aid, created_at=now)
        timeseries.write(store, [Sample("x", "l", datetime.now(UTC), {"likes": 5})])
        assert store.df("select interactions from most_popular(interval 24 hour)").rows() == [(5,)]
        assert store.df("select interactions from trending()").rows() == [(5,)]
