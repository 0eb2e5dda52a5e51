"""Bulk, idempotent writes of samples (counts) and gauges.

Records become one long Polars frame, handed to DuckDB as Arrow and inserted in a few set
statements per batch, never one per row (executemany is ~1000x slower). Samples of items we do
not track are dropped (e.g. front-page ranks of stories nobody tracks).

`samples` has no primary key (its index capped writes at ~100-200 k rows/s; see migration
0040): each row carries its series' previous sample (`prev_ts`, `prev_value`), which the gain
macros use to find a window's start value without reading history, and `series_latest` holds
each series' newest sample. A row newer than its series' latest is new (the fast path: no lookup
in `samples`); a row at or before it is looked up by (item, metric, ts) in the batch's time range
and skipped when stored (a re-sent batch stores nothing twice) or inserted between its
neighbours, fixing the `prev_*` of the row after it (a late sample). Gauges keep their key.
The same transaction raises `newest_article_sample` (the freshness badge's one-row state).

A batch goes: `_bracketed` (Polars) -> `_join_batch` (one join with `items` and `series_latest`
in DuckDB) -> `_prepared` (Polars) -> `_store_rows` (the append, `_advance_latest`, the freshness
state, `_write_late` only when some row is not new). Frames cross to DuckDB as registered Arrow
views and back as Arrow, never through temporary tables (creating one cost more than the join).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from tracker.collector import Sample, check_metrics
from tracker.store import Store, utc_columns

_SCHEMA = pl.Schema(
    {
        "platform": pl.String(),
        "item_key": pl.String(),
        "name": pl.String(),
        "ts": pl.Datetime("us", "UTC"),
        "value": pl.Float64(),
    }
)


def to_frame(samples: Sequence[Sample], gauges: bool = False) -> pl.DataFrame:
    """Long format: one row per (platform, item_key, metric or gauge, ts, value)."""
    rows: dict[str, list[object]] = {k: [] for k in _SCHEMA}
    for sample in samples:
        check_metrics(sample.platform, sample.metrics, sample.gauges)
        values = sample.gauges if gauges else sample.metrics
        for name, value in values.items():
            rows["platform"].append(sample.platform)
            rows["item_key"].append(sample.item_key)
            rows["name"].append(name)
            rows["ts"].append(sample.observed_at)
            rows["value"].append(float(value))
    return pl.DataFrame(rows, schema=_SCHEMA)


def write(store: Store, samples: Sequence[Sample]) -> int:
    """Store counts and gauges of tracked items in one transaction; returns count rows written."""
    counts = to_frame(samples).with_columns(pl.col("value").cast(pl.Int64))
    gauges = to_frame(samples, gauges=True)
    return write_frames(store, counts, gauges)


def write_frames(store: Store, counts: pl.DataFrame, gauges: pl.DataFrame | None = None) -> int:
    """The columnar write path: long frames (platform, item_key, name, ts, value), as `to_frame`
    builds them, inserted in one transaction. Bulk loaders (bench, imports) call it directly so
    no Python object per sample is built; `write` calls it after checking the metric names."""
    gauges = gauges if gauges is not None else to_frame([], gauges=True)
    if counts.is_empty() and gauges.is_empty():
        return 0
    with store.transaction() as cur:
        written = 0
        if not counts.is_empty():
            written = _store_rows(cur, _join_batch(cur, _bracketed(counts)))
        if not gauges.is_empty():
            with _registered(cur, "_gauges_batch", gauges):
                cur.execute(
                    """insert or ignore into gauges (item_id, gauge, ts, value)
                       select i.item_id, b.name, b.ts, b.value from _gauges_batch b
                       join items i on i.platform = b.platform and i.item_key = b.item_key"""
                )
    return written


def _join_batch(cur: duckdb.DuckDBPyConnection, bracketed: pl.DataFrame) -> pl.DataFrame:
    """The bracketed batch joined once to `items` (dropping untracked items) and to
    `series_latest`. Only the row numbers and what the join adds (fixed-width columns) come back
    through Arrow, and are put beside the batch's rows in Polars: reading the batch's strings
    back out of DuckDB cost as much as the join."""
    keys = bracketed.select("platform", "item_key", "name").with_row_index("row")
    with _registered(cur, "_counts_batch", keys):
        found = _fetch(
            cur,
            """select b.row, i.item_id, l.ts as latest_ts, l.value as latest_value,
                      i.article_id is not null as shares_article
               from _counts_batch as b
               join items as i on i.platform = b.platform and i.item_key = b.item_key
               left join series_latest as l on l.item_id = i.item_id and l.metric = b.name""",
        )
    rows = bracketed.select(
        "ts", "value", "batch_prev_ts", "batch_prev_value", "is_last", metric="name"
    ).gather(found["row"])
    return _prepared(rows.hstack(found.drop("row")))


# A prepared batch: one row per new (item, metric, ts) with its predecessor (the later of the
# batch's and the stored latest), whether it is newer than the series' latest (`is_new`), the
# batch's last of its series (`is_last`), the series already known (`seen`) and the item sharing
# an article (`shares_article`). The first six columns are `samples`' own, in its order.
_SAMPLE_COLUMNS = ["item_id", "metric", "ts", "value", "prev_ts", "prev_value"]


def _prepared(joined: pl.DataFrame) -> pl.DataFrame:
    """From the batch's rows with their in-batch predecessor (`batch_prev_*`, `is_last`) and the
    series' stored latest (`latest_*`, NULL for a new series): the prepared batch."""
    batch_prev_is_later = pl.col("latest_ts").is_null() | (pl.col("batch_prev_ts") > pl.col("latest_ts"))
    return joined.select(
        "item_id",
        "metric",
        "ts",
        "value",
        prev_ts=pl.when(batch_prev_is_later).then("batch_prev_ts").otherwise("latest_ts"),
        prev_value=pl.when(batch_prev_is_later).then("batch_prev_value").otherwise("latest_value"),
        is_new=(pl.col("latest_ts").is_null() | (pl.col("ts") > pl.col("latest_ts"))).fill_null(False),
        is_last="is_last",
        seen=pl.col("latest_ts").is_not_null(),
        shares_article="shares_article",
    )


def _bracketed(counts: pl.DataFrame) -> pl.DataFrame:
    """The batch without repeated (item, metric, ts) (the first wins, as an insert-or-ignore
    would), each row with its predecessor within the batch and whether it is the series' last.

    One stable sort, then each row compared with its neighbours: `shift().over(series)` on
    string keys cost ~10 s per million rows, the neighbour comparison a few hundred ms."""
    series = ["platform", "item_key", "name"]
    ordered = counts.sort([*series, "ts"], maintain_order=True)  # stable: the first sent stays first
    same_series_as_prev = pl.all_horizontal(pl.col(c) == pl.col(c).shift(1) for c in series).fill_null(False)
    ordered = ordered.filter(
        ~(same_series_as_prev & (pl.col("ts") == pl.col("ts").shift(1))).fill_null(False)
    )
    same_as_prev = pl.all_horizontal(pl.col(c) == pl.col(c).shift(1) for c in series).fill_null(False)
    same_as_next = pl.all_horizontal(pl.col(c) == pl.col(c).shift(-1) for c in series).fill_null(False)
    return ordered.with_columns(
        batch_prev_ts=pl.when(same_as_prev).then(pl.col("ts").shift(1)),
        batch_prev_value=pl.when(same_as_prev).then(pl.col("value").shift(1)),
        is_last=~same_as_next,
    )


def write_counts(cur: duckdb.DuckDBPyConnection, rows_sql: str, params: list[Any] | None = None) -> int:
    """Store the count rows (item_id, metric, ts, value) that `rows_sql` selects, inside the
    caller's transaction; returns how many were new. Keeps `prev_ts`/`prev_value` and
    `series_latest` right whatever the order rows arrive in (`write_frames` does the same with
    the batch bracketed in Polars)."""
    cur.complete()  # the caller's last execute() may be unread (a fetchone): DuckDB refuses sql() then
    joined = _fetch(
        cur,
        f"""select b.item_id, b.metric, b.ts, b.value,
                   lag(b.ts) over w as batch_prev_ts, lag(b.value) over w as batch_prev_value,
                   lead(b.ts) over w is null as is_last,
                   l.ts as latest_ts, l.value as latest_value,
                   i.article_id is not null as shares_article
            from (select item_id, metric, ts, first(value) as value
                  from ({rows_sql}) group by item_id, metric, ts) as b
            left join series_latest as l on l.item_id = b.item_id and l.metric = b.metric
            left join items as i on i.item_id = b.item_id
            window w as (partition by b.item_id, b.metric order by b.ts)""",
        params or [],
    )
    rows = _prepared(joined)
    return _store_rows(cur, rows)


def _store_rows(cur: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> int:
    """Store a prepared batch (`_prepared`): rows newer than their series' latest are
    appended as they are (no lookup in `samples`), then the series' state follows; the rest, if
    any, go through `_write_late`. Returns how many rows were stored."""
    new = rows.filter(pl.col("is_new"))
    if not new.is_empty():
        with _registered(cur, "_new_samples", new.select(_SAMPLE_COLUMNS)):
            cur.execute("insert into samples select * from _new_samples")
        _advance_latest(cur, new.filter(pl.col("is_last")))
        # The freshness badge's state (migration 0066): the newest sample of an item that shares
        # an article; the article flag came with the batch's join to items, so no extra join.
        newest = new.filter(pl.col("shares_article"))["ts"].max()
        if newest is not None:
            cur.execute("update newest_article_sample set ts = greatest(ts, ?)", [newest])
    _lower_first_samples(cur, rows)
    late = rows.filter(~pl.col("is_new"))
    return new.height + (_write_late(cur, late) if not late.is_empty() else 0)


def _lower_first_samples(cur: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> None:
    """Keep `item_first_sample` (migration 0067) the earliest sample of each item. Only a row of
    a new series or one at or before its series' latest can be earlier than what is kept (a
    known series' new row is later than its latest, hence than the item's first), and only
    items whose kept time it lowers (or that have none) are written: re-sent rows change
    nothing, so the write stays idempotent."""
    firsts = rows.filter(~pl.col("seen") | ~pl.col("is_new")).group_by("item_id").agg(pl.col("ts").min())
    if firsts.is_empty():
        return
    with _registered(cur, "_first_rows", firsts):
        cur.execute(
            """insert into item_first_sample
               select c.item_id, c.ts
               from _first_rows as c
               left join item_first_sample as f on f.item_id = c.item_id
               where f.ts is null or c.ts < f.ts
               on conflict (item_id) do update set ts = excluded.ts"""
        )


def _advance_latest(cur: duckdb.DuckDBPyConnection, last: pl.DataFrame) -> None:
    """`series_latest` from each series' newest new row: known series are updated in place and
    new ones inserted (an upsert, INSERT OR REPLACE or MERGE probes the key index per row and
    cost about twice as much)."""
    columns = ["item_id", "metric", "ts", "value"]
    known = last.filter(pl.col("seen"))
    if not known.is_empty():
        with _registered(cur, "_latest_rows", known.select(columns)):
            cur.execute(
                """update series_latest as l set ts = c.ts, value = c.value
                   from _latest_rows as c
                   where l.item_id = c.item_id and l.metric = c.metric"""
            )
    unseen = last.filter(~pl.col("seen"))
    if not unseen.is_empty():
        with _registered(cur, "_latest_rows", unseen.select(columns)):
            cur.execute("insert into series_latest select * from _latest_rows")


def _write_late(cur: duckdb.DuckDBPyConnection, late: pl.DataFrame) -> int:
    """Rows at or before their series' latest sample: re-sent ones (already stored: skipped) and
    late ones (stored between their neighbours, whose successor's `prev_*` now points at them).
    Stored rows are looked up within the late rows' time range only (zone maps skip the rest)."""
    bounds = {"lo": late["ts"].min(), "hi": late["ts"].max()}
    with _registered(cur, "_late_candidates", late.select("item_id", "metric", "ts", "value")):
        fresh = _fetch(
            cur,
            """select c.item_id, c.metric, c.ts, c.value from _late_candidates as c
               where not exists (select 1 from samples as s
                                 where s.ts between $lo and $hi
                                   and s.item_id = c.item_id and s.metric = c.metric and s.ts = c.ts)""",
            bounds,
        )
    if fresh.is_empty():
        return 0
    # Each affected series' stored rows and the late ones in time order: only the late rows and
    # the stored rows whose predecessor changed come back.
    with _registered(cur, "_late_rows", fresh):
        relinked = _fetch(
            cur,
            """with stored as (
                   select s.item_id, s.metric, s.ts, s.value, s.prev_ts as old_prev_ts, false as is_new
                   from samples as s
                   semi join (select distinct item_id, metric from _late_rows) as k
                       on k.item_id = s.item_id and k.metric = s.metric
               ),
               combined as (
                   select * from stored
                   union all
                   select item_id, metric, ts, value, null, true from _late_rows
               ),
               chained as (
                   select *, lag(ts) over w as new_prev_ts, lag(value) over w as new_prev_value
                   from combined
                   window w as (partition by item_id, metric order by ts)
               )
               select * from chained where is_new or old_prev_ts is distinct from new_prev_ts""",
        )
    with _registered(cur, "_relinked", relinked):
        cur.execute(
            """insert into samples
               select item_id, metric, ts, value, new_prev_ts, new_prev_value from _relinked
               where is_new order by ts"""
        )
        cur.execute(
            """update samples set prev_ts = r.new_prev_ts, prev_value = r.new_prev_value
               from (select * from _relinked where not is_new) as r
               where samples.item_id = r.item_id and samples.metric = r.metric and samples.ts = r.ts"""
        )
    return fresh.height


@contextmanager
def _registered(cur: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> Iterator[None]:
    """`frame` visible to SQL as `name` (an Arrow view, no copy) for the block's statements."""
    cur.register(name, frame.to_arrow(compat_level=pl.CompatLevel.newest()))  # string views: no copy
    try:
        yield
    finally:
        with suppress(duckdb.Error):  # a failed transaction may have invalidated the connection
            cur.unregister(name)


def _fetch(cur: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> pl.DataFrame:
    """A query's rows as a Polars frame, through Arrow (inside the caller's transaction)."""
    frame: pl.DataFrame = pl.from_arrow(cur.sql(sql, params=params).to_arrow_table())  # type: ignore[assignment]
    return utc_columns(frame)


def note_linked(cur: duckdb.DuckDBPyConnection, item_id: int) -> None:
    """An item now shares an article: its stored samples count for `newest_article_sample`
    (inside the caller's transaction; a lookup of the item's `series_latest` rows)."""
    cur.execute(
        """update newest_article_sample
           set ts = greatest(ts, (select max(l.ts) from series_latest as l
                                  join items as i on i.item_id = l.item_id
                                  where l.item_id = ? and i.article_id is not null))""",
        [item_id],
    )


def write_rows(store: Store, rows: Sequence[tuple[int, str, datetime, int]]) -> int:
    """Store (item_id, metric, ts, value) count rows of known items in one transaction, through
    the same idempotent path as `write` (imports, tests, tools that already hold item ids)."""
    if not rows:
        return 0
    frame = pl.DataFrame(
        rows,
        schema={
            "item_id": pl.Int64(),
            "metric": pl.String(),
            "ts": pl.Datetime("us", "UTC"),
            "value": pl.Int64(),
        },
        orient="row",
    )
    with store.transaction() as cur, _registered(cur, "_count_rows_batch", frame):
        written = write_counts(cur, "select item_id, metric, ts, value from _count_rows_batch")
    return written
