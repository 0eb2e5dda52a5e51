"""The one DuckDB file: opening it (and explaining who holds it when we cannot), applying
migrations and the SQL interface, per-thread cursors, and read queries into Polars.

One process owns the file read-write (`tracker run`, or a one-shot command when nothing
runs); every thread of that process uses its own cursor on the shared database instance, so
readers never block the writer (DuckDB's MVCC). Writes are serialised by `write_lock`.
External file access is disabled on every connection we open: ad-hoc SQL cannot read or write
files on the host, and exports go through Arrow instead of COPY.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from tracker import metrics, migrations, sqlfiles
from tracker.errors import QueryError, StorageError, StoreBusy
from tracker.urls import NO_RULES, UrlRules

_LOCK_PID = re.compile(r"PID (\d+)")
log = logging.getLogger("tracker.store")
RECOVER_EVERY_S = 5.0  # how often a failed database is reopened to see whether it works again
# Set before anything runs: no extension is downloaded or loaded behind our back (a SQLite file
# given as --db would otherwise fetch the sqlite extension at connect time), and DuckDB's memory
# and spill space are bounded instead of its defaults (80 % of RAM, 90 % of free disk).
MEMORY_LIMIT = "2GB"
TEMP_SPACE_LIMIT = "8GB"
CONNECT_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "memory_limit": MEMORY_LIMIT,
    "max_temp_directory_size": TEMP_SPACE_LIMIT,
}


class Store:
    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only
        self.write_lock = threading.RLock()
        self._local = threading.local()
        self._generation = 0  # bumped when the connection is reopened: cached cursors are stale
        self.failure: str | None = None  # why the database cannot be used now (disk full), if so
        self._announced: str | None = None  # the failure already logged, until a write succeeds
        self._next_recovery = 0.0
        self.closed = False  # set by close(): background readers (the dashboards' warmer) stop

    @classmethod
    def open(
        cls,
        path: str | Path,
        read_only: bool = False,
        migrate: bool = True,
        catalog: metrics.Catalog | None = None,
        url_rules: UrlRules = NO_RULES,
    ) -> Store:
        """Open (creating if needed), migrate and re-apply the metric catalog, views and macros.

        `catalog` defaults to sql/seeds/metrics.csv (another one only in tests of the catalog itself);
        `url_rules` are the sites' article-key rules a first re-keying (migration 0025) follows.
        """
        path = Path(path)
        if read_only and not path.exists():
            raise StorageError(f"no database at {path}; run `tracker init` first")
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=CONNECT_CONFIG)
        except duckdb.IOException as exc:
            raise _busy_or_broken(path, exc) from None
        except duckdb.Error as exc:
            raise StorageError(f"cannot open {path}: {str(exc).splitlines()[0]}") from None
        store = cls(con, path, read_only)
        try:
            _configure(con)
            if read_only:
                migrations.verify(con)
            elif migrate:
                applied = migrations.migrate(con)
                store.apply_definitions(catalog or metrics.load())
                from tracker import rekey  # the canonical URL rules changed: re-key stored articles once

                if rekey.TRIGGER in applied:
                    rekey.rekey_articles(store, url_rules)
        except duckdb.Error as exc:
            con.close()
            if _is_fatal(exc):
                raise StorageError(f"cannot open {path}: {_reason(exc)}") from None
            raise
        except Exception:
            con.close()
            raise
        return store

    def apply_definitions(self, catalog: metrics.Catalog) -> None:
        """(Re)load the `metrics` table from the catalog, then (re)create every view and macro from
        sql/views and sql/macros (some read that table), in one transaction."""
        seed = sqlfiles.load("seeds/metrics")
        rows = [
            (n, m.name, m.kind, m.is_interaction, m.weight, m.label, m.description)
            for n, m in enumerate(catalog.metrics, start=1)
        ]
        files = sqlfiles.folder("macros") + sqlfiles.folder("views")
        files.sort(key=lambda f: f.path.name)  # the numeric prefixes order views and macros together
        with self.write_lock:
            con = self._con
            con.execute("begin transaction")
            name = seed.name
            try:
                con.execute(seed.text)
                con.executemany("insert into metrics values (?, ?, ?, ?, ?, ?, ?)", rows)
                for file in files:
                    name = file.name
                    con.execute(file.text)
                con.execute("commit")
            except duckdb.Error as exc:
                with contextlib.suppress(duckdb.Error):
                    con.execute("rollback")
                raise StorageError(f"{name}.sql failed: {_reason(exc)}") from None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor (a connection to the same database instance)."""
        self._check_usable()
        cur = getattr(self._local, "cursor", None)
        if cur is None or getattr(self._local, "generation", -1) != self._generation:
            cur = self._con.cursor()
            self._local.cursor = cur
            self._local.generation = self._generation
        return cur

    def new_cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor, e.g. one that a timer may interrupt without touching other work."""
        self._check_usable()
        return self._con.cursor()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write transaction on this thread's cursor, serialised with other writers."""
        if self.read_only:
            raise StorageError(f"{self.path} is open read-only")
        with self.write_lock:
            cur = self.cursor()
            try:
                cur.execute("begin transaction")
                try:
                    yield cur
                except BaseException:
                    with contextlib.suppress(duckdb.Error):  # nothing to roll back after a fatal error
                        cur.execute("rollback")
                    raise
                cur.execute("commit")
            except duckdb.Error as exc:
                if _is_fatal(exc):
                    raise self._failed(exc) from None
                raise
            if self._announced is not None:
                log.warning("%s can be written again; collection resumes", self.path)
                self._announced = None

    def df(
        self,
        sql: str,
        params: Mapping[str, Any] | list[Any] | None = None,
        cursor: duckdb.DuckDBPyConnection | None = None,
    ) -> pl.DataFrame:
        """Run a read query and return a Polars frame (via Arrow, no row-by-row Python).

        Each read gets its own cursor unless one is given: DuckDB 2 refuses new work on a cursor
        whose previous result was not read to the end, and cursors are cheap.
        """
        try:
            relation = (cursor or self.new_cursor()).sql(sql, params=params)
            if relation is None:
                raise QueryError("the statement returned no rows to show")
            frame: pl.DataFrame = pl.from_arrow(relation.to_arrow_table())  # type: ignore[assignment]
        except duckdb.Error as exc:
            if _is_fatal(exc):
                raise self._failed(exc) from None
            raise QueryError(str(exc).splitlines()[0]) from None
        return utc_columns(frame)

    def named(self, name: str, **params: Any) -> pl.DataFrame:
        """Run sql/queries/<name>.sql with $named parameters bound, never formatted in."""
        file = sqlfiles.load(f"queries/{name}")
        return self.df(file.text, params)

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        row = self.cursor().execute(sql, params or []).fetchone()
        return row[0] if row else None

    def checkpoint(self) -> None:
        with self.write_lock:
            try:
                self.cursor().execute("checkpoint")
            except duckdb.Error as exc:
                if _is_fatal(exc):
                    raise self._failed(exc) from None
                raise

    def _failed(self, exc: duckdb.Error) -> StorageError:
        """A fatal error invalidates the whole database (DuckDB must reopen it). Say so once,
        refuse work until `recover()` manages to reopen it, and keep what was committed."""
        reason = _reason(exc)
        if self._announced != reason:
            log.error("%s: %s; collection pauses and resumes when it can write again", self.path, reason)
            self._announced = reason
        self.failure = f"{self.path} cannot be written: {reason}"
        self._next_recovery = time.monotonic() + RECOVER_EVERY_S
        return StorageError(self.failure)

    def _check_usable(self) -> None:
        if self.failure is None:
            return
        if time.monotonic() >= self._next_recovery:
            self.recover()
        if self.failure is not None:
            raise StorageError(self.failure)

    def recover(self) -> bool:
        """Reopen a database that failed fatally (its WAL replays what was committed) and prove
        it can write with a checkpoint. True when it works again."""
        if self.failure is None:
            return True
        with self.write_lock:
            self._next_recovery = time.monotonic() + RECOVER_EVERY_S
            with contextlib.suppress(duckdb.Error):
                self._con.close()
            try:
                con = duckdb.connect(str(self.path), read_only=self.read_only, config=CONNECT_CONFIG)
                _configure(con)
                if not self.read_only:
                    con.execute("checkpoint")
            except duckdb.Error:
                return False
            self._con = con
            self._generation += 1
            self.failure = None
        return True

    def close(self, wait_s: float = 5.0) -> None:
        """Close the file; a read still running on a cursor (a background reader that had not
        seen `closed` yet) is waited for, up to `wait_s`, as DuckDB refuses to close under it."""
        self.closed = True
        deadline = time.monotonic() + wait_s
        while True:
            try:
                self._con.close()
                return
            except duckdb.ResourceInUseException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _configure(con: duckdb.DuckDBPyConnection) -> None:
    """Times are UTC everywhere (GLOBAL: every cursor is a connection of its own and would
    otherwise take the host's zone); then no SQL may touch host files or change settings."""
    con.execute("set global TimeZone = 'UTC'")
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


def _is_fatal(exc: duckdb.Error) -> bool:
    """Errors that leave the database unusable until reopened: fatal ones and a full disk."""
    return isinstance(exc, duckdb.FatalException) or "No space left on device" in str(exc)


def _reason(exc: duckdb.Error) -> str:
    """One line a person understands: "disk full" rather than DuckDB's nested fatal text."""
    text = str(exc)
    if "No space left on device" in text:
        return "disk full (No space left on device)"
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def utc_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """DuckDB names UTC "Etc/UTC"; one spelling keeps Polars joins and arithmetic simple."""
    zoned = [
        name
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone not in (None, "UTC")
    ]
    return frame.with_columns(pl.col(zoned).dt.convert_time_zone("UTC")) if zoned else frame


def _busy_or_broken(path: Path, exc: duckdb.Error) -> Exception:
    text = str(exc)
    if "lock" in text.lower():
        pid = _LOCK_PID.search(text)
        holder = f" (PID {pid.group(1)})" if pid else ""
        return StoreBusy(
            f"{path} is in use by another process{holder}; while `tracker run` owns it, "
            "use `tracker sql` (which goes through it) or stop it first"
        )
    return StorageError(f"cannot open {path}: {text.splitlines()[0]}")
