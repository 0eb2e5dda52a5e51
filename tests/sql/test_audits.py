"""The audits in sql/audits return nothing on healthy data and name each broken fact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracker import audits, catalog, timeseries
from tracker.collector import Sample
from tracker.store import Store


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "audit.duckdb") as s:
        now = datetime.now(UTC)
        aid, _ = catalog.upsert_article(s, "https://news.example.com/a/", now, "manual", title="a")
        catalog.ensure_item(s, "reddit", "p", now, article_id=aid, created_at=now - timedelta(hours=2))
        timeseries.write(
            s,
            [
                Sample("reddit", "p", now - timedelta(minutes=50), {"score": 10}),
                Sample("reddit", "p", now - timedelta(minutes=5), {"score": 3}),  # vote fuzzing
            ],
        )
        yield s


def test_every_audit_passes_on_healthy_data_even_when_a_count_goes_down(store):
    results = audits.run(store)
    assert {r.name for r in results} >= {
        "negative_gains",
        "samples_in_the_future",
        "orphans",
        "negative_counts",
    }
    assert audits.failures(store) == []


def test_a_sample_in_the_future_is_reported(store):
    timeseries.write_rows(store, [(1, "score", datetime.now(UTC) + timedelta(days=1), 12)])
    [failed] = audits.failures(store)
    assert failed.name == "samples_in_the_future"
    assert failed.rows["item_id"].to_list() == [1]


def test_orphans_are_reported(store):
    timeseries.write_rows(store, [(999, "score", datetime.now(UTC) - timedelta(hours=1), 1)])
    with store.transaction() as cur:
        cur.execute(
            "insert into items (platform, item_key, article_id, tracked_at, next_due_at) "
            "values ('x', 'lost', 424242, now(), now())"
        )
    [failed] = audits.failures(store)
    assert failed.name == "orphans"
    assert sorted(failed.rows["problem"].to_list()) == ["item without article", "samples without item"]


def test_a_sample_stored_twice_or_a_broken_bracket_is_reported(store):
    """Written around the write path (direct INSERTs): copies of stored samples are duplicates and
    leave wrong predecessors, and a newer sample not recorded in series_latest leaves it stale."""
    with store.transaction() as cur:
        cur.execute("insert into samples select * from samples")
        cur.execute(
            "insert into samples select item_id, metric, now() - interval 1 minute, 7, max(ts), "
            "arg_max(value, ts) from samples group by item_id, metric"
        )
    failed = {f.name: f for f in audits.failures(store)}
    assert set(failed) == {"duplicate_samples", "sample_brackets"}
    assert failed["duplicate_samples"].rows["copies"].to_list() == [2, 2]
    problems = sorted(failed["sample_brackets"].rows["problem"].to_list())
    assert problems == ["wrong latest", "wrong predecessor", "wrong predecessor"]
