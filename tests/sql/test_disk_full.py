"""A full disk: writes fail with one line saying "disk full", the store refuses work instead
of spewing tracebacks, nothing committed is lost, and it recovers by itself once space
returns. A restart on the full disk names the cause. Runs on a real 24 MiB tmpfs (root)."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracker import catalog, timeseries
from tracker import store as store_module
from tracker.collector import Sample
from tracker.errors import StorageError
from tracker.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * (1 << 20))
                out.flush()
        except OSError:
            pass
    return filler


def _samples(n: int, start: int = 0) -> list[Sample]:
    return [
        Sample("reddit", f"p{i % 50}", NOW + timedelta(seconds=start + i), {"score": i, "comments": i})
        for i in range(n)
    ]


def test_disk_full_is_said_once_refused_cleanly_and_recovered(small_disk, caplog, monkeypatch):
    monkeypatch.setattr(store_module, "RECOVER_EVERY_S", 0.0)
    store = Store.open(small_disk / "t.duckdb")
    for i in range(50):
        catalog.ensure_item(store, "reddit", f"p{i}", NOW)
    timeseries.write(store, _samples(2000))
    store.checkpoint()
    before = store.scalar("select count(*) from samples")
    filler = _fill(small_disk)
    caplog.set_level(logging.ERROR, logger="tracker.store")
    failures = []
    for attempt in range(30):  # keep writing, as the daemon would, until the disk says no
        try:
            timeseries.write(store, _samples(5000, start=10_000 + attempt * 5000))
            store.checkpoint()
        except StorageError as exc:
            failures.append(str(exc))
            if len(failures) >= 3:
                break
    assert failures, "the disk never filled"
    assert all("disk full" in f and "\n" not in f for f in failures)
    assert len([r for r in caplog.records if "disk full" in r.getMessage()]) == 1  # said once
    assert store.failure is not None
    filler.unlink()  # space returns
    assert store.recover()
    assert store.failure is None
    assert store.scalar("select count(*) from samples") >= before  # nothing committed was lost
    timeseries.write(store, _samples(10, start=900_000))
    store.checkpoint()
    store.close()


def test_opening_on_a_full_disk_names_the_cause(small_disk):
    path = small_disk / "t.duckdb"
    Store.open(path).close()
    filler = _fill(small_disk)
    try:
        # A pending migration must write: a fresh file's first checkpoint cannot happen.
        with pytest.raises(StorageError) as caught:
            store = Store.open(small_disk / "other.duckdb")
            timeseries.write(store, _samples(50_000))
            store.checkpoint()
        assert "disk full" in str(caught.value) or "No space left" in str(caught.value)
        assert "cannot rollback" not in str(caught.value)
    finally:
        filler.unlink()
