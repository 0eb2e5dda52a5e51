"""Ad-hoc SQL, safely: exactly one read-only statement, interrupted after a timeout, with a
row cap and a byte cap on the result. The same guard serves `tracker sql` on a local file and
the running process's `/api/sql`, so a hostile string cannot write, attach, copy, or run for ever.

A SELECT can still call functions with side effects or file access (`nextval()` moves a live
sequence, `checkpoint()` forces disk work, `read_blob()` reads the database file itself,
`query()` runs a string of SQL). Those are refused by name, found in DuckDB's own parse tree
(`json_serialize_sql`), not by a pattern over the text: a name inside a string literal or a
comment is not a call, and a call spelled in any case or spacing is still one. DuckDB's memory
and temp-space limits are set when the store opens (tracker.store).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from tracker.errors import QueryError
from tracker.store import CONNECT_CONFIG, Store, utc_columns

READ_ONLY_TYPES = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
_EXPLAIN = re.compile(r"^\s*explain\s+(analy[sz]e\s+)?", re.IGNORECASE)
MAX_ROWS = 1_000_000
MAX_RESULT_BYTES = 64 * 1024 * 1024  # what one answer may hold in memory (Arrow buffers)
_BATCH_ROWS = 10_000
# Functions a read-only question never needs: they change state (sequences, checkpoints,
# settings), read files or other databases, run SQL given as a string, or reveal secrets.
DENIED_FUNCTIONS = frozenset(
    {
        "nextval",
        "currval",
        "setval",
        "checkpoint",
        "force_checkpoint",
        "read_blob",
        "read_text",
        "read_csv",
        "read_csv_auto",
        "read_json",
        "read_json_auto",
        "read_json_objects",
        "read_json_objects_auto",
        "read_ndjson",
        "read_ndjson_auto",
        "read_ndjson_objects",
        "read_parquet",
        "parquet_scan",
        "parquet_metadata",
        "parquet_schema",
        "parquet_file_metadata",
        "parquet_kv_metadata",
        "sniff_csv",
        "glob",
        "read_xlsx",
        "sqlite_scan",
        "sqlite_attach",
        "postgres_scan",
        "postgres_attach",
        "mysql_scan",
        "iceberg_scan",
        "delta_scan",
        "query",
        "query_table",
        "getenv",
        "duckdb_secrets",
        "which_secret",
        "load_extension",
        "install_extension",
        "set_config",
        "pragma_storage_info",
        "pragma_database_size",
        "duckdb_temporary_files",
        "duckdb_log_contexts",
        "duckdb_logs",
    }
)


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
    denied = sorted(_called_functions(explained) & DENIED_FUNCTIONS)
    if denied:
        raise QueryError(f"{denied[0]}() is not allowed in ad-hoc SQL (it changes state or reads files)")
    return statement.query


def _called_functions(sql: str) -> set[str]:
    """Every function a SELECT calls (scalar, aggregate, table), from DuckDB's parse tree."""
    con = duckdb.connect(":memory:", config=CONNECT_CONFIG)
    try:
        tree = json.loads(con.execute("select json_serialize_sql(?)", [sql]).fetchone()[0])  # type: ignore[index]
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from None
    finally:
        con.close()
    if tree.get("error"):
        raise QueryError(f"cannot check this query: {str(tree.get('error_message', ''))[:120]}")
    return {name.lower() for name in _function_names(tree)}


def _function_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        name = node.get("function_name")
        if isinstance(name, str):
            yield name
        for value in node.values():
            yield from _function_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _function_names(value)


def _is_select(sql: str) -> bool:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        return False
    return len(statements) == 1 and statements[0].type == duckdb.StatementType.SELECT


def run(
    store: Store,
    sql: str,
    timeout_s: float = 30.0,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_RESULT_BYTES,
) -> pl.DataFrame:
    """Run one read-only query on a fresh cursor; interrupt it after `timeout_s`."""
    query = check_read_only(sql)
    cursor = store.new_cursor()
    timer = threading.Timer(timeout_s, cursor.interrupt)
    timer.start()
    # Defence in depth: whatever slipped past the check above runs in a transaction that is
    # always rolled back, so an ad-hoc query can never change stored data.
    cursor.execute("begin transaction")
    try:
        frame = _bounded_frame(cursor, query, max_rows, max_bytes)
    except QueryError as exc:
        if "interrupt" in str(exc).lower():
            raise QueryError(f"query took longer than {timeout_s:g}s and was stopped") from None
        raise
    finally:
        timer.cancel()
        cursor.execute("rollback")
    return frame


def _bounded_frame(
    cursor: duckdb.DuckDBPyConnection, sql: str, max_rows: int, max_bytes: int
) -> pl.DataFrame:
    """The result read batch by batch, refused as soon as it passes the row or byte cap."""
    try:
        relation = cursor.sql(sql)
        if relation is None:
            raise QueryError("the statement returned no rows to show")
        reader = relation.to_arrow_reader(batch_size=_BATCH_ROWS)
        batches, rows, size = [], 0, 0
        try:
            for batch in reader:
                rows += batch.num_rows
                size += batch.nbytes
                if rows > max_rows:
                    raise QueryError(f"more than {max_rows} rows; add a LIMIT or aggregate")
                if size > max_bytes:
                    raise QueryError(f"the result passed {max_bytes} bytes; select fewer columns or rows")
                batches.append(batch)
        finally:
            reader.close()  # the cursor must be free again for the rollback
        table = pa.Table.from_batches(batches, schema=reader.schema)
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from None
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return utc_columns(frame)
