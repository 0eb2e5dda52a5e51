"""Ad-hoc SQL and foreign files, on real DuckDB files: functions with side effects or file
access are refused from the parse tree, results are bounded in bytes, DuckDB's memory and
temp space are explicit, no extension is fetched at connect, and a file made by another
program is refused instead of taken over."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from tracker import query
from tracker.errors import MigrationError, QueryError, StorageError
from tracker.store import Store


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "q.duckdb") as opened:
        opened.cursor().execute("create sequence probe_seq start 1")
        yield opened


@pytest.mark.parametrize(
    "sql",
    [
        "select nextval('probe_seq') from range(1000000)",
        "SELECT  NextVal ( 'probe_seq' )",
        "select currval('probe_seq')",
        "select checkpoint()",
        "select * from force_checkpoint()",
        "select * from read_blob('q.duckdb')",
        "select content from read_text('/etc/passwd')",
        "select * from query('select 1')",
        "select getenv('HOME')",
        "with t as (select 1 as x) select (select nextval('probe_seq')) from t",
        "explain analyze select nextval('probe_seq')",
    ],
)
def test_functions_with_side_effects_or_file_access_are_refused(store, sql):
    with pytest.raises(QueryError, match=r"\(\) is not allowed"):
        query.run(store, sql)
    # The sequence did not move: the next value is still its start.
    assert store.cursor().execute("select nextval('probe_seq')").fetchone() == (1,)


@pytest.mark.parametrize(
    "sql",
    [
        "select 'nextval(''probe_seq'')' as text_not_a_call",
        "select 1 as x -- checkpoint()",
        "select count(*) as n from articles",
    ],
)
def test_the_names_in_strings_or_comments_are_not_calls(store, sql):
    assert query.run(store, sql).height == 1


def test_results_are_bounded_in_bytes_not_only_rows(store):
    with pytest.raises(QueryError, match="bytes"):
        query.run(store, "select repeat('x', 1000) as s from range(100000)", max_bytes=10_000_000)
    assert (
        query.run(store, "select repeat('x', 10) as s from range(1000)", max_bytes=10_000_000).height == 1000
    )


def test_memory_and_temp_space_limits_are_explicit(store):
    memory, temp = (
        store.cursor()
        .execute("select current_setting('memory_limit'), current_setting('max_temp_directory_size')")
        .fetchone()
    )
    assert memory.startswith("1.8 GiB") and temp.startswith("7.4 GiB")
    autoinstall = store.cursor().execute("select current_setting('autoinstall_known_extensions')").fetchone()
    assert autoinstall == (False,)


def test_a_sqlite_file_is_refused_without_fetching_an_extension(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("create table t (x)")
    con.commit()
    con.close()
    with pytest.raises(StorageError) as caught:
        Store.open(path)
    assert "\n" not in str(caught.value)
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"  # untouched


def test_a_duckdb_file_made_by_another_program_is_refused(tmp_path):
    path = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table customers (id integer, name varchar)")
    con.execute("insert into customers values (1, 'Ada')")
    con.close()
    with pytest.raises(MigrationError, match="made by another program"):
        Store.open(path)
    con = duckdb.connect(str(path), read_only=True)
    tables = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
    con.close()
    assert tables == {"customers"}  # nothing of ours was added
