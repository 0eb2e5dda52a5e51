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
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from tracker.collector import Sample, check_metrics
from tracker.store import Store

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
            cur.register("_counts_batch", _bracketed(counts).to_arrow())
            cur.execute(
                """create or replace temp table _count_rows as
                   select i.item_id, b.name as metric, b.ts, b.value, b.batch_prev_ts, b.batch_prev_value,
                          b.is_last, l.ts as latest_ts, l.value as latest_value,
                          i.article_id is not null as shares_article
                   from _counts_batch as b
                   join items as i on i.platform = b.platform and i.item_key = b.item_key
                   left join series_latest as l on l.item_id = i.item_id and l.metric = b.name"""
            )
            cur.unregister("_counts_batch")
            written = _store_count_rows(cur)
        if not gauges.is_empty():
            cur.register("_gauges_batch", gauges.to_arrow())
            cur.execute(
                """insert or ignore into gauges (item_id, gauge, ts, value)
                   select i.item_id, b.name, b.ts, b.value from _gauges_batch b
                   join items i on i.platform = b.platform and i.item_key = b.item_key"""
            )
            cur.unregister("_gauges_batch")
    return written


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
    the batch prepared in Polars)."""
    cur.execute(
        f"""create or replace temp table _count_rows as
            select b.item_id, b.metric, b.ts, b.value,
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
    return _store_count_rows(cur)


def _store_count_rows(cur: duckdb.DuckDBPyConnection) -> int:
    """From `_count_rows` (one row per new (item, metric, ts), with its predecessor in the batch,
    whether it is the batch's last of its series, and the series' stored latest): rows newer
    than the stored latest are appended, their predecessor being the later of the batch's and the
    stored latest (no lookup in samples); the rest go through `_write_late`."""
    row = cur.execute(
        """insert into samples
           select item_id, metric, ts, value,
                  case when latest_ts is null or batch_prev_ts > latest_ts then batch_prev_ts else latest_ts end,
                  case when latest_ts is null or batch_prev_ts > latest_ts then batch_prev_value else latest_value end
           from _count_rows
           where latest_ts is null or ts > latest_ts"""
    ).fetchone()
    written = int(row[0]) if row else 0
    if written:
        # Known series are updated in place and new ones inserted: an upsert (ON CONFLICT)
        # probes the key index per row and cost twice as much.
        cur.execute(
            """update series_latest as l set ts = c.ts, value = c.value
               from _count_rows as c
               where c.is_last and c.ts > c.latest_ts
                 and l.item_id = c.item_id and l.metric = c.metric"""
        )
        cur.execute(
            """insert into series_latest
               select item_id, metric, ts, value from _count_rows
               where is_last and latest_ts is null"""
        )
        # The freshness badge's state (migration 0066): the newest sample of an item that shares
        # an article; the article flag came with the batch's join to items, so no extra join.
        cur.execute(
            """update newest_article_sample
               set ts = greatest(ts, (select max(ts) filter (where shares_article) from _count_rows))"""
        )
    _lower_first_samples(cur)
    bounds = cur.execute("select min(ts), max(ts) from _count_rows where ts <= latest_ts").fetchone()
    if bounds is not None and bounds[0] is not None:
        written += _write_late(cur, bounds[0], bounds[1])
    cur.execute("drop table _count_rows")
    return written


def _lower_first_samples(cur: duckdb.DuckDBPyConnection) -> None:
    """Keep `item_first_sample` (migration 0067) the earliest sample of each item: only the
    first row of a series in the batch (no predecessor in it), and only if its series is new or
    it lies before the series' latest, can be earlier than what is kept, and only items whose
    kept time it lowers (or that have none) are written. Re-sent rows change nothing, so the
    write stays idempotent."""
    cur.execute(
        """insert into item_first_sample
           select c.item_id, c.ts
           from (select item_id, min(ts) as ts from _count_rows
                 where batch_prev_ts is null and (latest_ts is null or ts < latest_ts)
                 group by item_id) as c
           left join item_first_sample as f on f.item_id = c.item_id
           where f.ts is null or c.ts < f.ts
           on conflict (item_id) do update set ts = excluded.ts"""
    )


def _write_late(cur: duckdb.DuckDBPyConnection, lo: datetime, hi: datetime) -> int:
    """Rows at or before their series' latest sample: re-sent ones (already stored: skipped) and
    late ones (stored between their neighbours, whose successor's `prev_*` now points at them)."""
    cur.execute(
        """create or replace temp table _late_rows as
           select c.item_id, c.metric, c.ts, c.value from _count_rows as c
           where c.ts <= c.latest_ts
             and not exists (select 1 from samples as s
                             where s.ts between $lo and $hi
                               and s.item_id = c.item_id and s.metric = c.metric and s.ts = c.ts)""",
        {"lo": lo, "hi": hi},
    )
    late = cur.execute("select count(*) from _late_rows").fetchone()
    if not late or not late[0]:
        cur.execute("drop table _late_rows")
        return 0
    cur.execute(
        """create or replace temp table _relinked as
           with stored as (
               select s.item_id, s.metric, s.ts, s.value, s.prev_ts as old_prev_ts, false as is_new
               from samples as s
               semi join (select distinct item_id, metric from _late_rows) as k
                   on k.item_id = s.item_id and k.metric = s.metric
           ),
           combined as (
               select * from stored
               union all
               select item_id, metric, ts, value, null, true from _late_rows
           )
           select *, lag(ts) over w as new_prev_ts, lag(value) over w as new_prev_value
           from combined
           window w as (partition by item_id, metric order by ts)"""
    )
    cur.execute(
        """insert into samples
           select item_id, metric, ts, value, new_prev_ts, new_prev_value from _relinked
           where is_new order by ts"""
    )
    cur.execute(
        """update samples set prev_ts = r.new_prev_ts, prev_value = r.new_prev_value
           from (select * from _relinked
                 where not is_new and old_prev_ts is distinct from new_prev_ts) as r
           where samples.item_id = r.item_id and samples.metric = r.metric and samples.ts = r.ts"""
    )
    cur.execute("drop table _late_rows")
    cur.execute("drop table _relinked")
    return int(late[0])


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
    with store.transaction() as cur:
        cur.register("_count_rows_batch", frame.to_arrow())
        written = write_counts(cur, "select item_id, metric, ts, value from _count_rows_batch")
        cur.unregister("_count_rows_batch")
    return written
