"""Becoming the owner of the DuckDB file: take the owner lock, then open the file read-write
with every enabled collector; give both back in the opposite order. Every command that writes
(`run`, `collect`, `discover`, and `track` when nothing runs) opens the file this way, so two
writers meet at the lock with a one-line message instead of at DuckDB's file lock."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from tracker import registry
from tracker.clock import Clock
from tracker.config import Config
from tracker.http import HTTPOptions
from tracker.owner.lock import OwnerLock
from tracker.service import Opened, open_collection


@dataclass(frozen=True)
class Owned:
    """The open file with its collectors, and the lock that proves we own it."""

    opened: Opened
    lock: OwnerLock


@contextmanager
def own(
    config: Config,
    command: str,
    clock: Clock | None = None,
    environ: Mapping[str, str] | None = None,
    http_options: HTTPOptions | None = None,
    platforms: Mapping[str, registry.Platform] | None = None,
) -> Iterator[Owned]:
    """Own `config.db_path` for the block; StoreBusy (naming the owner) if someone else does."""
    lock = OwnerLock.acquire(config.db_path, command)
    try:
        opened = open_collection(config, clock, environ, http_options, platforms)
        try:
            yield Owned(opened, lock)
        finally:
            opened.close()
    finally:
        lock.release()
