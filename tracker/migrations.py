"""Forward-only schema migrations from `sql/migrations/NNNN_slug.sql`.

Each file runs in its own transaction and is recorded in `_migrations(name, checksum,
applied_at)`. At start we refuse to go on if an applied file was edited or removed (naming
it), so a database is never silently run against a schema it was not built with.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tracker.errors import MigrationError
from tracker.sqlfiles import sql_root

BOOTSTRAP = """
create table if not exists _migrations (
    name       varchar primary key,
    checksum   varchar not null,
    applied_at timestamptz not null
)
"""


@dataclass(frozen=True)
class Migration:
    name: str
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        # Line endings are normalised so a checkout on Windows does not look "edited".
        return hashlib.sha256(self.text.replace("\r\n", "\n").encode()).hexdigest()


def discover(folder: Path | None = None) -> list[Migration]:
    folder = folder or sql_root() / "migrations"
    files = sorted(folder.glob("*.sql"))
    for path in files:
        if not path.stem[:4].isdigit() or path.stem[4:5] != "_":
            raise MigrationError(f"migration file {path.name} must be named NNNN_slug.sql")
    return [Migration(p.stem, p) for p in files]


def status(con: duckdb.DuckDBPyConnection, folder: Path | None = None) -> list[tuple[str, str]]:
    """(name, 'applied at ...' | 'pending' | 'edited' | 'missing') for every migration."""
    applied = _applied(con)
    rows = []
    files = {m.name: m for m in discover(folder)}
    for name in sorted(set(files) | set(applied)):
        if name not in files:
            rows.append((name, "missing"))
        elif name not in applied:
            rows.append((name, "pending"))
        elif applied[name][0] != files[name].checksum:
            rows.append((name, "edited"))
        else:
            rows.append((name, f"applied {applied[name][1]:%Y-%m-%d %H:%M:%S} UTC"))
    return rows


def _applied(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, datetime]]:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = '_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return {}
    return {
        name: (checksum, at)
        for name, checksum, at in con.execute("select name, checksum, applied_at from _migrations").fetchall()
    }


def verify(con: duckdb.DuckDBPyConnection, folder: Path | None = None) -> list[Migration]:
    """Check applied migrations against the files; return the pending ones."""
    applied = _applied(con)
    files = discover(folder)
    by_name = {m.name: m for m in files}
    for name, (checksum, _) in sorted(applied.items()):
        if name not in by_name:
            raise MigrationError(
                f"applied migration {name}.sql is missing from sql/migrations; "
                "this database was made by a newer or different version"
            )
        if by_name[name].checksum != checksum:
            raise MigrationError(
                f"applied migration {name}.sql was edited since it ran; "
                "restore it and put the change in a new migration"
            )
    return [m for m in files if m.name not in applied]


def migrate(con: duckdb.DuckDBPyConnection, folder: Path | None = None) -> list[str]:
    """Apply every pending migration, each in its own transaction. Returns their names."""
    con.execute(BOOTSTRAP)
    done = []
    for migration in verify(con, folder):
        con.execute("begin transaction")
        try:
            con.execute(migration.text)
            con.execute(
                "insert into _migrations values (?, ?, ?)",
                [migration.name, migration.checksum, datetime.now(UTC)],
            )
            con.execute("commit")
        except duckdb.Error as exc:
            # After a fatal error (disk full) DuckDB has no transaction left to roll back; the
            # original cause is what the user needs to see, not "cannot rollback".
            with contextlib.suppress(duckdb.Error):
                con.execute("rollback")
            raise MigrationError(
                f"migration {migration.name}.sql failed: {str(exc).splitlines()[0]}"
            ) from None
        done.append(migration.name)
    return done
