"""Migration 0040's read and write paths against the formula they replaced.

`item_gains` now finds a window's start from each sample's stored predecessor (prev_ts,
prev_value) and its end from `series_latest`, and `samples` has no key: the write path keeps
writes idempotent and the predecessors right for late and re-sent samples. Here the macro is
compared with the pre-0040 formula, which grouped every sample in (t0 - lookback, t1] (kept below
verbatim as `item_gains_by_scan`), on random series written in random order, in random batches,
with re-sent duplicates; and late samples and re-sent batches are checked by hand.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import audits, catalog, sqlfiles, timeseries
from tracker.collector import Sample
from tracker.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BASE = NOW - timedelta(days=3)
PROPS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# The pre-0040 item_gains (sql/macros/70_item_gains.sql before migration 0040), unchanged.
BY_SCAN = """
    create or replace macro item_gains_by_scan(win, as_of := null) as table
    with recent as (
        select s.item_id, s.metric, s.ts, s.value
        from samples as s
        where s.ts <= coalesce(as_of, now())
          and s.ts > coalesce(as_of, now()) - as_window(win)
                     - to_hours(cast(analytics_setting('lookback_hours') as bigint))
    ),
    per_item as (
        select
            r.item_id,
            r.metric,
            arg_max(r.value, r.ts) as end_value,
            max(r.ts) as end_ts,
            arg_max(r.value, r.ts) filter (where r.ts <= coalesce(as_of, now()) - as_window(win)) as before_value,
            max(r.ts) filter (where r.ts <= coalesce(as_of, now()) - as_window(win)) as before_ts,
            arg_min(r.value, r.ts) filter (where r.ts > coalesce(as_of, now()) - as_window(win)) as after_value,
            min(r.ts) filter (where r.ts > coalesce(as_of, now()) - as_window(win)) as after_ts
        from recent as r
        group by r.item_id, r.metric
        having count(*) filter (where r.ts > coalesce(as_of, now()) - as_window(win)) > 0
    ),
    started as (
        select
            p.*,
            i.platform,
            i.article_id,
            coalesce(i.created_at, a.published_at) as born_at,
            case
                when p.before_value is not null then
                    p.before_value + (p.after_value - p.before_value)
                        * epoch(coalesce(as_of, now()) - as_window(win) - p.before_ts)
                        / epoch(p.after_ts - p.before_ts)
                when coalesce(i.created_at, a.published_at) >= coalesce(as_of, now()) - as_window(win) then 0
                when coalesce(i.created_at, a.published_at) is not null then
                    p.after_value
                        * epoch(coalesce(as_of, now()) - as_window(win) - coalesce(i.created_at, a.published_at))
                        / greatest(epoch(p.after_ts - coalesce(i.created_at, a.published_at)), 1)
                else p.after_value
            end as start_value
        from per_item as p
        join items as i on i.item_id = p.item_id
        left join tracked_articles as a on a.article_id = i.article_id
    )
    select
        item_id,
        platform,
        article_id,
        metric,
        born_at,
        start_value,
        end_value,
        greatest(end_value - start_value, 0) as gained,
        end_ts as last_ts
    from started;
"""
COLUMNS = "item_id, metric, born_at, start_value, end_value, gained, last_ts"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with Store.open(tmp_path_factory.mktemp("brackets") / "b.duckdb") as s:
        s.cursor().execute(BY_SCAN)
        yield s


def _fresh(store: Store, born: list[datetime | None]) -> list[int]:
    """One article per item (published = born), each item born as given; their item ids."""
    with store.transaction() as cur:
        for table in ("samples", "series_latest", "item_first_sample", "gauges", "items", "tracked_articles"):
            cur.execute(f"delete from {table}")
        cur.execute("update newest_article_sample set ts = null")  # the state kept with the samples
    ids = []
    for n, born_at in enumerate(born):
        aid, _ = catalog.upsert_article(
            store, f"https://news.example.com/{n}/", BASE, "manual", title=str(n), published_at=born_at
        )
        ids.append(catalog.ensure_item(store, "bluesky", str(n), BASE, article_id=aid, created_at=born_at)[0])
    return ids


def _gains(store: Store, macro: str, win_min: int, as_of: datetime) -> list[tuple[object, ...]]:
    return store.df(
        f"select {COLUMNS} from {macro}(to_minutes($w::bigint), as_of := $t) order by item_id, metric",
        {"w": win_min, "t": as_of},
    ).rows()


def _assert_same(new: list[tuple[object, ...]], old: list[tuple[object, ...]]) -> None:
    assert [r[:3] for r in new] == [r[:3] for r in old]
    for a, b in zip(new, old, strict=True):
        assert a[3:6] == pytest.approx(b[3:6], rel=1e-9, abs=1e-9)
        assert a[6] == b[6]


points = st.lists(
    st.tuples(st.integers(min_value=0, max_value=3 * 24 * 60), st.integers(min_value=0, max_value=5_000)),
    min_size=1,
    max_size=15,
)
born_at = st.sampled_from(
    [None, BASE - timedelta(hours=2), BASE + timedelta(hours=30), NOW - timedelta(hours=1)]
)


@pytest.mark.timeout(900)  # a few DuckDB transactions per example; the shared machine is slow
@PROPS
@given(
    series=st.lists(st.tuples(born_at, points, points), min_size=1, max_size=3),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    resend=st.floats(min_value=0.0, max_value=0.5),
    windows=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=36 * 60), st.integers(min_value=-600, max_value=3 * 24 * 60)
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_item_gains_equals_the_scan_formula_whatever_the_write_order(store, series, seed, resend, windows):
    """Rows written shuffled, in random batches, some re-sent (with another value: the first
    stored wins, as with the old key); then the new macro and the old formula agree on every
    window, and the audits (no duplicates, every bracket right) pass."""
    ids = _fresh(store, [born for born, _, _ in series])
    rows = [
        (item_id, metric, BASE + timedelta(minutes=m), v)
        for item_id, (_, likes, reposts) in zip(ids, series, strict=True)
        for metric, pts in (("likes", likes), ("reposts", reposts))
        for m, v in pts
    ]
    rng = random.Random(seed)
    rng.shuffle(rows)
    rows += [(i, m, ts, v + 1) for i, m, ts, v in rng.sample(rows, int(len(rows) * resend))]
    stored: set[tuple[int, str, datetime]] = set()
    while rows:
        size = rng.randint(1, len(rows))
        batch, rows = rows[:size], rows[size:]
        new = {r[:3] for r in batch} - stored
        if rng.random() < 0.5:  # by item id (the SQL path) or as collectors' Samples (the Polars path)
            assert timeseries.write_rows(store, batch) == len(new)
        else:
            key = {item_id: str(n) for n, item_id in enumerate(ids)}
            samples = [Sample("bluesky", key[i], ts, {m: v}) for i, m, ts, v in batch]
            assert timeseries.write(store, samples) == len(new)
        stored |= new
    assert store.scalar("select count(*) from samples") == len(stored)
    for audit in ("duplicate_samples", "sample_brackets"):
        assert store.df(sqlfiles.load(f"audits/{audit}").text).is_empty()
    for win_min, as_of_min in windows:
        as_of = BASE + timedelta(minutes=as_of_min)
        _assert_same(
            _gains(store, "item_gains", win_min, as_of), _gains(store, "item_gains_by_scan", win_min, as_of)
        )


def test_a_late_sample_is_stored_between_its_neighbours_and_moves_the_window_start(store):
    """10:00 = 10, 10:20 = 30, then 10:10 = 25 arrives late. Before it, the value at 10:05 is
    10 + (30 - 10) x 5/20 = 15; after it, 10 + (25 - 10) x 5/10 = 17.5, and 10:20's predecessor
    is 10:10."""
    [item] = _fresh(store, [BASE - timedelta(days=1)])
    at = BASE.replace(hour=10, minute=0)
    t = [at, at + timedelta(minutes=20), at + timedelta(minutes=10)]
    assert timeseries.write_rows(store, [(item, "likes", t[0], 10), (item, "likes", t[1], 30)]) == 2
    window = (
        "select start_value, end_value, gained from item_gains(interval 15 minute, as_of := $t)",
        {"t": t[1]},
    )
    assert store.df(*window).rows() == [(15.0, 30, 15.0)]
    assert timeseries.write_rows(store, [(item, "likes", t[2], 25)]) == 1
    assert store.df(*window).rows() == [(17.5, 30, 12.5)]
    assert store.df("select ts, value, prev_ts, prev_value from samples order by ts").rows() == [
        (t[0], 10, None, None),
        (t[2], 25, t[0], 10),
        (t[1], 30, t[2], 25),
    ]
    assert store.df("select ts, value from series_latest").rows() == [(t[1], 30)]
    assert audits.failures(store) == []


def test_a_resent_batch_stores_nothing_and_changes_nothing(store):
    """The same batch twice (a retried round): nothing new, not one row touched, and a row of the
    re-sent batch with a different value does not replace the stored one."""
    [item] = _fresh(store, [BASE])
    batch = [
        (item, m, BASE + timedelta(minutes=k), k * 10 + n)
        for k in range(1, 6)
        for n, m in enumerate(["likes", "views"])
    ]
    assert timeseries.write_rows(store, batch) == 10
    before = store.df("select * from samples order by all")
    latest = store.df("select * from series_latest order by all")
    assert timeseries.write_rows(store, batch) == 0
    assert timeseries.write_rows(store, [(item, "likes", BASE + timedelta(minutes=3), 999)]) == 0
    assert store.df("select * from samples order by all").equals(before)
    assert store.df("select * from series_latest order by all").equals(latest)


def test_a_batch_of_new_late_and_resent_rows_at_once(store):
    """One batch mixing rows newer than the series' latest, a late row and a re-sent row: each
    goes its way; the predecessors chain through all of them in time order."""
    [item] = _fresh(store, [BASE])
    m = [BASE + timedelta(minutes=k) for k in range(6)]
    assert timeseries.write_rows(store, [(item, "likes", m[1], 1), (item, "likes", m[3], 3)]) == 2
    mixed = [
        (item, "likes", m[5], 5),
        (item, "likes", m[2], 2),
        (item, "likes", m[3], 3),
        (item, "likes", m[4], 4),
        (item, "likes", m[0], 0),
    ]
    assert timeseries.write_rows(store, mixed) == 4
    assert store.df("select ts, prev_ts, prev_value from samples order by ts").rows() == [
        (m[0], None, None),
        (m[1], m[0], 0),
        (m[2], m[1], 1),
        (m[3], m[2], 2),
        (m[4], m[3], 3),
        (m[5], m[4], 4),
    ]
    assert store.df("select ts, value from series_latest").rows() == [(m[5], 5)]


def test_one_frame_of_every_kind_of_row_through_the_columnar_path(store):
    """`write_frames` with one frame holding an untracked item's rows (dropped), a new series, new
    rows of a known series, a repeat inside the frame (the first sent wins), a late row and a
    re-sent one: each goes its way, the state follows, and nothing is left registered."""
    [a, b] = _fresh(store, [BASE, BASE])
    m = [BASE + timedelta(minutes=k) for k in range(6)]
    assert timeseries.write_rows(store, [(a, "likes", m[1], 1), (a, "likes", m[3], 3)]) == 2
    rows = [
        ("bluesky", "0", "likes", m[5], 5),  # newer than the latest (m3)
        ("bluesky", "0", "likes", m[4], 4),
        ("bluesky", "0", "likes", m[4], 40),  # the same moment again: the first sent wins
        ("bluesky", "0", "likes", m[2], 2),  # late: between m1 and m3
        ("bluesky", "0", "likes", m[1], 99),  # re-sent: already stored
        ("bluesky", "1", "views", m[0], 7),  # a series the store has not seen
        ("bluesky", "untracked", "likes", m[0], 1),
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "platform": pl.String(),
            "item_key": pl.String(),
            "name": pl.String(),
            "ts": pl.Datetime("us", "UTC"),
            "value": pl.Int64(),
        },
        orient="row",
    )
    assert timeseries.write_frames(store, frame) == 4
    assert store.df(
        "select item_id, ts, value, prev_ts, prev_value from samples order by item_id, ts"
    ).rows() == [
        (a, m[1], 1, None, None),
        (a, m[2], 2, m[1], 1),
        (a, m[3], 3, m[2], 2),
        (a, m[4], 4, m[3], 3),
        (a, m[5], 5, m[4], 4),
        (b, m[0], 7, None, None),
    ]
    assert store.df("select item_id, metric, ts, value from series_latest order by item_id").rows() == [
        (a, "likes", m[5], 5),
        (b, "views", m[0], 7),
    ]
    assert store.scalar("select ts from newest_article_sample") == m[5]
    assert timeseries.write_frames(store, frame) == 0
    assert store.scalar("select count(*) from samples") == 6
    assert audits.failures(store) == []
    left_behind = """select view_name from duckdb_views() where temporary and not internal
                      union all select table_name from duckdb_tables() where temporary"""
    assert store.cursor().execute(left_behind).fetchall() == []


@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["x", "reddit"]),
            st.sampled_from(["1", "2", "3"]),
            st.sampled_from(["likes", "views"]),
            st.integers(0, 6),
            st.integers(0, 50),
        ),
        max_size=40,
    )
)
@settings(max_examples=60, deadline=None)
def test_the_batch_bracketing_keeps_the_first_sent_and_links_each_row_to_its_predecessor(
    rows: list[tuple[str, str, str, int, int]],
) -> None:
    """`_bracketed` (one stable sort and neighbour comparisons) against the rule written out row
    by row: per series, the first row sent at each time wins, each kept row's batch predecessor
    is the kept row just before it in time, and the series' last row is flagged."""
    frame = pl.DataFrame(
        [(p, k, n, BASE + timedelta(minutes=m), v) for p, k, n, m, v in rows],
        schema={
            "platform": pl.String(),
            "item_key": pl.String(),
            "name": pl.String(),
            "ts": pl.Datetime("us", "UTC"),
            "value": pl.Int64(),
        },
        orient="row",
    )
    got = {
        (r["platform"], r["item_key"], r["name"], r["ts"]): (
            r["value"],
            r["batch_prev_ts"],
            r["batch_prev_value"],
            r["is_last"],
        )
        for r in timeseries._bracketed(frame).iter_rows(named=True)
    }
    first: dict[tuple[str, str, str], dict[datetime, int]] = {}
    for p, k, n, m, v in rows:
        first.setdefault((p, k, n), {}).setdefault(BASE + timedelta(minutes=m), v)
    expected = {}
    for key, by_ts in first.items():
        times = sorted(by_ts)
        for j, ts in enumerate(times):
            prev = times[j - 1] if j else None
            expected[(*key, ts)] = (by_ts[ts], prev, by_ts[prev] if prev else None, j == len(times) - 1)
    assert got == expected
