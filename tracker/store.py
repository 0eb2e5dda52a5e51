"""The one DuckDB file: opening it (and explaining who holds it when we cannot), applying
migrations and the SQL interface, per-thread cursors, and read queries into Polars.

One process owns the file read-write (`tracker run`, or a one-shot command when nothing
runs); every thread of that process uses its own cursor on the shared database instance, so
readers never block the writer (DuckDB's MVCC). Writes are serialised by `write_lock`.
External file access is disabled on every connection we open: ad-hoc SQL cannot read or write
files on the host, and exports go through Arrow instead of COPY.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from tracker import migrations, sqlfiles
from tracker.errors import QueryError, StorageError, StoreBusy

_LOCK_PID = re.compile(r"PID (\d+)")
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

    @classmethod
    def open(cls, path: str | Path, read_only: bool = False, migrate: bool = True) -> Store:
        """Open (creating if needed), migrate and re-apply views and macros."""
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
            # Times are UTC everywhere; then no SQL may touch host files or change settings.
            con.execute("set TimeZone = 'UTC'")
            con.execute("set enable_external_access = false")
            con.execute("set lock_configuration = true")
            if read_only:
                migrations.verify(con)
            elif migrate:
                applied = migrations.migrate(con)
                store.apply_definitions()
                from tracker import rekey  # the canonical URL rules changed: re-key stored articles once

                if rekey.TRIGGER in applied:
                    rekey.rekey_articles(store)
        except Exception:
            con.close()
            raise
        return store

    def apply_definitions(self) -> None:
        """(Re)create every view and macro from sql/views and sql/macros in one transaction."""
        files = sqlfiles.folder("macros") + sqlfiles.folder("views")
        files.sort(key=lambda f: f.path.name)  # the numeric prefixes order views and macros together
        with self.write_lock:
            con = self._con
            con.execute("begin transaction")
            try:
                for file in files:
                    con.execute(file.text)
                con.execute("commit")
            except duckdb.Error as exc:
                con.execute("rollback")
                raise StorageError(f"{file.name}.sql failed: {str(exc).splitlines()[0]}") from None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor (a connection to the same database instance)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    def new_cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor, e.g. one that a timer may interrupt without touching other work."""
        return self._con.cursor()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write transaction on this thread's cursor, serialised with other writers."""
        if self.read_only:
            raise StorageError(f"{self.path} is open read-only")
        with self.write_lock:
            cur = self.cursor()
            cur.execute("begin transaction")
            try:
                yield cur
            except BaseException:
                cur.execute("rollback")
                raise
            else:
                cur.execute("commit")

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
            relation = (cursor or self._con.cursor()).sql(sql, params=params)
            if relation is None:
                raise QueryError("the statement returned no rows to show")
            frame: pl.DataFrame = pl.from_arrow(relation.to_arrow_table())  # type: ignore[assignment]
        except duckdb.Error as exc:
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
            self.cursor().execute("checkpoint")

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
