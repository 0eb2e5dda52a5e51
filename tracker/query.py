"""Ad-hoc SQL, safely: exactly one read-only statement, interrupted after a timeout, with a
row cap. The same guard serves `tracker sql` on a local file and the running process's
`/api/sql`, so a hostile string cannot write, attach, copy, or run for ever."""

from __future__ import annotations

import re
import threading

import duckdb
import polars as pl

from tracker.errors import QueryError
from tracker.store import Store

READ_ONLY_TYPES = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
_EXPLAIN = re.compile(r"^\s*explain\s+(analy[sz]e\s+)?", re.IGNORECASE)
MAX_ROWS = 1_000_000


def check_read_only(sql: str) -> str:
    """The single statement in `sql`, or QueryError saying why it is refused."""
    if not sql.strip():
        raise QueryError("empty query")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from None
    if len(statements) != 1:
        raise QueryError(f"one statement at a time, got {len(statements)}")
    statement = statements[0]
    if statement.type not in READ_ONLY_TYPES:
        kind = str(statement.type).rsplit(".", 1)[-1]
        raise QueryError(f"only read-only queries (SELECT, WITH, EXPLAIN) are allowed here, not {kind}")
    # EXPLAIN ANALYZE *runs* its statement: what it explains must be a SELECT too.
    explained = _EXPLAIN.sub("", statement.query, count=1)
    if statement.type == duckdb.StatementType.EXPLAIN and not _is_select(explained):
        raise QueryError("EXPLAIN is allowed only for a SELECT")
    return statement.query


def _is_select(sql: str) -> bool:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        return False
    return len(statements) == 1 and statements[0].type == duckdb.StatementType.SELECT


def run(store: Store, sql: str, timeout_s: float = 30.0, max_rows: int = MAX_ROWS) -> pl.DataFrame:
    """Run one read-only query on a fresh cursor; interrupt it after `timeout_s`."""
    query = check_read_only(sql)
    cursor = store.new_cursor()
    timer = threading.Timer(timeout_s, cursor.interrupt)
    timer.start()
    # Defence in depth: whatever slipped past the check above runs in a transaction that is
    # always rolled back, so an ad-hoc query can never change stored data.
    cursor.execute("begin transaction")
    try:
        frame = store.df(query, cursor=cursor)
    except QueryError as exc:
        if "interrupt" in str(exc).lower():
            raise QueryError(f"query took longer than {timeout_s:g}s and was stopped") from None
        raise
    finally:
        timer.cancel()
        cursor.execute("rollback")
    if frame.height > max_rows:
        raise QueryError(f"{frame.height} rows is more than {max_rows}; add a LIMIT or aggregate")
    return frame
