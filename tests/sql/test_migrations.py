"""Migrations: applied once, in order, checksummed; edited or missing files refused by name;
a database made by an older version upgrades and keeps its data."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tracker import migrations
from tracker.errors import MigrationError
from tracker.sqlfiles import sql_root
from tracker.store import Store


def test_fresh_database_gets_every_migration_then_nothing_more(tmp_path):
    con = duckdb.connect(str(tmp_path / "a.duckdb"))
    applied = migrations.migrate(con)
    assert applied == [m.name for m in migrations.discover()]
    assert migrations.migrate(con) == []
    assert all(state.startswith("applied") for _, state in migrations.status(con))


def _copy_migrations(tmp_path: Path, upto: int | None = None) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in sorted((sql_root() / "migrations").glob("*.sql"))[:upto]:
        shutil.copy(path, folder / path.name)
    return folder


def test_edited_migration_is_refused_by_name(tmp_path):
    folder = _copy_migrations(tmp_path)
    con = duckdb.connect(str(tmp_path / "a.duckdb"))
    migrations.migrate(con, folder)
    first = sorted(folder.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- a quiet edit\n")
    with pytest.raises(MigrationError, match=first.stem + r".sql was edited"):
        migrations.migrate(con, folder)


def test_missing_applied_migration_is_refused_by_name(tmp_path):
    folder = _copy_migrations(tmp_path)
    con = duckdb.connect(str(tmp_path / "a.duckdb"))
    migrations.migrate(con, folder)
    last = sorted(folder.glob("*.sql"))[-1]
    last.unlink()
    with pytest.raises(MigrationError, match=last.stem + r".sql is missing"):
        migrations.migrate(con, folder)


def test_database_from_an_older_version_upgrades_and_keeps_data(tmp_path):
    old = _copy_migrations(tmp_path, upto=1)
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrations.migrate(con, old)
    con.execute("""insert into tracked_articles (url, discovered_at, source)
                   values ('https://news.example.com/a/', now(), 'manual')""")
    con.close()
    with Store.open(path) as store:  # applies the newer migrations and the SQL interface
        assert store.scalar("select count(*) from _migrations") == len(migrations.discover())
        assert store.scalar("select url from articles") == "https://news.example.com/a/"
        assert store.scalar("select tracked from articles") is True


def test_failed_migration_rolls_back_and_names_the_file(tmp_path):
    folder = _copy_migrations(tmp_path)
    (folder / "9999_broken.sql").write_text("create table ok_table (x int);\nthis is not sql;\n")
    con = duckdb.connect(str(tmp_path / "a.duckdb"))
    with pytest.raises(MigrationError, match=r"9999_broken\.sql failed"):
        migrations.migrate(con, folder)
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert "ok_table" not in tables
    assert "9999_broken" not in {r[0] for r in con.execute("select name from _migrations").fetchall()}


def test_every_sql_file_runs_in_the_store(tmp_path):
    with Store.open(tmp_path / "a.duckdb") as store:
        for view in (
            "articles",
            "engagement",
            "latest_engagement",
            "item_latest",
            "collector_health",
            "metric_catalog",
            "item_deltas",
        ):
            assert store.df(f"select * from {view}").height >= 0
        assert store.df("select * from most_popular(interval 24 hour)").height == 0
        assert store.df("select * from trending()").height == 0
        assert (
            store.df("select * from gained(interval 1 hour, as_of := $t)", {"t": datetime.now(UTC)}).height
            == 0
        )


def test_definitions_live_in_the_file_for_the_duckdb_cli(tmp_path):
    path = tmp_path / "a.duckdb"
    Store.open(path).close()
    con = duckdb.connect(str(path), read_only=True)  # what an analyst's duckdb CLI does
    names = {
        r[0]
        for r in con.execute(
            "select function_name from duckdb_functions() where function_type = 'table_macro'"
        ).fetchall()
    }
    assert {"most_popular", "trending", "gained"} <= names
    assert con.execute("select count(*) from engagement").fetchone() == (0,)
