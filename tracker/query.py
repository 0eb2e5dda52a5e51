"""Ad-hoc SQL, safely: exactly one read-only statement, interrupted after a timeout, with a
row cap. The same guard serves `tracker sql` on a local file and the running process's
`/api/sql`, so a hostile string cannot write, attach, copy, or run for ever."""

from __future__ import annotations

import threading

import duckdb
import polars as pl

from tracker.errors import QueryError
from tracker.store import Store

READ_ONLY_TYPES = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
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
    return statement.query


def run(store: Store, sql: str, timeout_s: float = 30.0, max_rows: int = MAX_ROWS) -> pl.DataFrame:
    """Run one read-only query on a fresh cursor; interrupt it after `timeout_s`."""
    query = check_read_only(sql)
    cursor = store.new_cursor()
    timer = threading.Timer(timeout_s, cursor.interrupt)
    timer.start()
    try:
        frame = store.df(query, cursor=cursor)
    except QueryError as exc:
        if "interrupt" in str(exc).lower():
            raise QueryError(f"query took longer than {timeout_s:g}s and was stopped") from None
        raise
    finally:
        timer.cancel()
    if frame.height > max_rows:
        raise QueryError(f"{frame.height} rows is more than {max_rows}; add a LIMIT or aggregate")
    return frame
