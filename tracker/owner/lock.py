"""Who owns the DuckDB file right now, proved by an OS lock that a dead process cannot keep.

The owner holds an exclusive `flock` on `<db>.owner.json` for its whole life and writes its
pid, command and (once its API listens) URL into that same file. The kernel drops the lock
when the process dies, even by `kill -9`, so a file left behind by a dead owner is just text:
whatever pid it names (PID 1 is always alive in a container), nobody holds the lock, and the
next `tracker run` takes over. Readers only probe the lock (a shared lock, released at once).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tracker.errors import StoreBusy

# A reader's probe holds the shared lock for microseconds; an owner that starts at that moment
# retries for this long before concluding that another owner really runs.
_ACQUIRE_RETRY_S = 2.0


@dataclass(frozen=True)
class Owner:
    pid: int
    command: str
    url: str | None  # None while it starts, or for an owner without an API (collect --once)

    def describe(self) -> str:
        where = f", {self.url}" if self.url else ""
        return f"`tracker {self.command}` (PID {self.pid}{where})"


def owner_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".owner.json")


def _read(handle: IO[str]) -> Owner | None:
    handle.seek(0)
    try:
        data = json.loads(handle.read() or "null")
        return Owner(int(data["pid"]), str(data.get("command") or "run"), data.get("url") or None)
    except (ValueError, KeyError, TypeError):
        return None


class OwnerLock:
    """Held by the owning process from before it opens the file until after it closes it."""

    def __init__(self, db_path: Path, handle: IO[str], command: str) -> None:
        self.db_path = db_path
        self._handle = handle
        self._command = command

    @classmethod
    def acquire(cls, db_path: Path, command: str) -> OwnerLock:
        """Take the lock or raise StoreBusy naming the live owner."""
        path = owner_path(db_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the process's life
        deadline = time.monotonic() + _ACQUIRE_RETRY_S
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                holder = _read(handle)
                handle.close()
                who = holder.describe() if holder else "another tracker process"
                raise StoreBusy(
                    f"{who} owns {db_path} and is already collecting"
                    + (f"; its dashboard and API are at {holder.url}" if holder and holder.url else "")
                ) from None
        lock = cls(db_path, handle, command)
        lock._write(None)
        return lock

    def _write(self, url: str | None) -> None:
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(json.dumps({"pid": os.getpid(), "command": self._command, "url": url}))
        self._handle.flush()

    def publish(self, url: str | None) -> None:
        """Say where our API listens, so other commands go through us (None: not any more)."""
        self._write(url)

    def release(self) -> None:
        """Empty the file and drop the lock (the file stays: unlinking a locked file races)."""
        if self._handle.closed:
            return
        with contextlib.suppress(OSError):
            self._handle.seek(0)
            self._handle.truncate()
            self._handle.flush()
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


def current(db_path: Path) -> Owner | None:
    """The live owner, or None. A file nobody holds the lock on is ignored, whatever it says."""
    try:
        handle = open(owner_path(db_path), encoding="utf-8")  # noqa: SIM115
    except FileNotFoundError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # held exclusively: an owner is alive
            return _read(handle) or Owner(0, "run", None)
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None
