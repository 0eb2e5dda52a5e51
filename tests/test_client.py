"""One client for every command: `connect(config)` gives the same methods and the same answers
on the file itself and through a live owner's API. Ownership is an OS lock that a dead process
cannot keep, and the records a killed owner left behind are closed at the next start."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker import export, runlog
from tracker.client import LocalHandle, RemoteHandle, connect
from tracker.config import Config
from tracker.errors import QueryError, StoreBusy, UnknownURL
from tracker.owner import lock
from tracker.owner.claim import own
from tracker.owner.process import serve
from tracker.service import open_collection


def _config(path: Path) -> Config:
    config = Config()
    return dataclasses.replace(config, storage=dataclasses.replace(config.storage, path=str(path)))


@pytest.fixture
def config(tmp_path) -> Config:
    config = _config(tmp_path / "c.duckdb")
    open_collection(config, platforms={}).close()  # an empty, migrated file
    return config


@pytest.fixture
def served(config) -> Iterator[Config]:
    """This process owns the file and serves its API (headless) until the test ends."""
    stop = threading.Event()
    ready = threading.Event()

    def run() -> None:
        with own(config, "run", platforms={}) as owned:
            ready.set()
            serve(owned, None, announce=lambda line: None, stop=stop, summary_every_s=0)

    thread = threading.Thread(target=run, name="owner")
    thread.start()
    ready.wait(30)
    deadline = time.monotonic() + 30
    while (owner := lock.current(config.db_path)) is None or owner.url is None:
        assert time.monotonic() < deadline, "the owner never published its URL"
        time.sleep(0.05)
    yield config
    stop.set()
    thread.join(30)
    assert not thread.is_alive()


def _exercise(config: Config) -> dict[str, object]:
    """Everything a command does through a handle, as plain values to compare."""
    with connect(config, platforms={}) as db:
        kind = type(db).__name__
        tracked = db.track(["https://news.example.com/x/?utm_source=feed", "https://news.example.com/y/"])
        again = db.track(["https://news.example.com/x/"])
        changed = db.untrack(["https://news.example.com/y/"])
        with pytest.raises(UnknownURL):
            db.untrack(["https://news.example.com/never/"])
        with pytest.raises(QueryError):
            db.sql("drop table samples")
        rows = db.sql("select url, untracked_at is not null as gone from tracked_articles order by url")
        listed = db.named("tracked", platform=None, limit=10)
        return {
            "kind": kind,
            "tracked": [(t.url, t.kind, t.created) for t in tracked],
            "again": [t.created for t in again],
            "changed": changed,
            "rows": rows.to_dicts(),
            "listed": sorted(listed["url"].to_list()),
            "state": db.state,
        }


def test_local_and_remote_handles_answer_alike(tmp_path, served):
    remote = _exercise(served)
    local_config = _config(tmp_path / "other.duckdb")
    local = _exercise(local_config)
    assert (local.pop("kind"), remote.pop("kind")) == ("LocalHandle", "RemoteHandle")
    assert local.pop("state") == "idle"
    assert remote.pop("state").startswith(f"owned by `tracker run` (PID {os.getpid()}, http://127.0.0.1:")
    assert local == remote
    assert local["tracked"] == [
        ("https://news.example.com/x/", "article", True),
        ("https://news.example.com/y/", "article", True),
    ]
    assert local["again"] == [False] and local["changed"] == 1


def test_a_stale_owner_file_naming_a_live_pid_is_ignored(config):
    """After kill -9 the file stays, and its pid may be alive again (PID 1 always is)."""
    for pid in (1, os.getpid()):
        lock.owner_path(config.db_path).write_text(
            json.dumps({"pid": pid, "command": "run", "url": "http://127.0.0.1:9"})
        )
        assert lock.current(config.db_path) is None
        with connect(config, platforms={}) as db:
            assert isinstance(db, LocalHandle)
            assert db.sql("select 1 as one").to_dicts() == [{"one": 1}]
        with own(config, "collect", platforms={}) as owned:
            owner = lock.current(config.db_path)
            assert owner is not None and (owner.pid, owner.command, owner.url) == (
                os.getpid(),
                "collect",
                None,
            )
            owned.lock.publish("http://127.0.0.1:1234")
            assert isinstance(connect(config), RemoteHandle)
        assert lock.current(config.db_path) is None


def test_a_second_owner_is_refused_with_the_first_ones_name(config):
    with own(config, "run", platforms={}) as owned:
        owned.lock.publish("http://127.0.0.1:4321")
        with pytest.raises(StoreBusy, match=r"`tracker run` \(PID \d+, http://127.0.0.1:4321\) owns"):
            lock.OwnerLock.acquire(config.db_path, "collect")
    lock.OwnerLock.acquire(config.db_path, "collect").release()  # free again once released


def test_a_client_waits_for_an_owner_without_an_api_then_names_it(config):
    with own(config, "collect --once", platforms={}):
        asked = time.monotonic()
        with pytest.raises(StoreBusy, match=r"`tracker collect --once` \(PID \d+\) holds"):
            connect(config, wait_s=0.5)
        assert time.monotonic() - asked >= 0.5


def test_rounds_a_killed_process_left_running_are_closed_at_the_next_open(config, clock):
    opened = open_collection(config, clock=clock, platforms={})
    store = opened.collection.store
    finished = runlog.start_run(store, "reddit", "sample", clock.now())
    runlog.finish_run(store, finished, clock.now(), {"requests": 1}, 1, 0, "ok")
    left = runlog.start_run(store, "reddit", "sample", clock.now())
    opened.close()  # no finish_run: what a kill -9 leaves behind

    clock.advance(60)
    reopened = open_collection(config, clock=clock, platforms={})
    try:
        rows = reopened.collection.store.df(
            "select run_id, status, finished_at from runs order by run_id"
        ).to_dicts()
    finally:
        reopened.close()
    assert [(r["run_id"], r["status"]) for r in rows] == [(finished, "ok"), (left, "interrupted")]
    assert rows[1]["finished_at"] == clock.now()


def test_export_does_not_share_the_threads_cursor(config, tmp_path):
    """A job that left a result unread on this thread's cursor must not fail the export."""
    with own(config, "run", platforms={}) as owned:
        store = owned.opened.collection.store
        store.cursor().execute("select * from range(100000)").fetchone()
        written = export.to_parquet(store, tmp_path / "export")
        assert store.cursor().fetchone() == (1,)  # the other job's result is still there to read
    assert sorted(p.name for p in written) == sorted(f"{name}.parquet" for name in export.EXPORTED)
