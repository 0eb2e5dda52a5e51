"""The record of collection: one `runs` row per platform round, its errors (redacted, one
line each), discovery cursors, and until when a platform is throttled or why it is off."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from tracker.store import Store


def start_run(store: Store, platform: str, kind: str, now: datetime) -> int:
    with store.transaction() as cur:
        row = cur.execute(
            "insert into runs (platform, kind, started_at) values (?, ?, ?) returning run_id",
            [platform, kind, now],
        ).fetchone()
    assert row is not None
    return int(row[0])


def finish_run(
    store: Store,
    run_id: int,
    now: datetime,
    stats: Mapping[str, int],
    items_sampled: int,
    errors: int,
    status: str,
) -> None:
    with store.transaction() as cur:
        cur.execute(
            """update runs set finished_at = ?, requests = ?, items_sampled = ?, errors = ?,
               rate_limit_waits = ?, status = ? where run_id = ?""",
            [
                now,
                stats.get("requests", 0),
                items_sampled,
                errors,
                stats.get("rate_limit_waits", 0),
                status,
                run_id,
            ],
        )


def close_interrupted(store: Store, now: datetime) -> int:
    """Mark `interrupted` the rounds a killed process left `running` (returns how many).

    Call only from the process that has just opened the file read-write: DuckDB lets one
    process do so at a time, so any round still `running` then belongs to a dead one.
    """
    with store.transaction() as cur:
        row = cur.execute(
            """update runs set status = 'interrupted', finished_at = ?
               where status = 'running' and finished_at is null returning run_id""",
            [now],
        ).fetchall()
    return len(row)


def record_error(
    store: Store, run_id: int, platform: str, item_key: str | None, now: datetime, kind: str, message: str
) -> None:
    """`message` must already be redacted; it is cut to one line of 300 characters."""
    line = " ".join(message.split())[:300]
    with store.transaction() as cur:
        cur.execute(
            "insert into run_errors values (?, ?, ?, ?, ?, ?)", [run_id, platform, item_key, now, kind, line]
        )


def cursors(store: Store, platform: str) -> dict[str, str]:
    rows = (
        store.cursor().execute("select source, value from cursors where platform = ?", [platform]).fetchall()
    )
    return {str(source): str(value) for source, value in rows}


def set_cursor(store: Store, platform: str, source: str, value: str, now: datetime) -> None:
    with store.transaction() as cur:
        cur.execute("insert or replace into cursors values (?, ?, ?, ?)", [platform, source, value, now])


def set_platform_state(
    store: Store,
    platform: str,
    now: datetime,
    blocked_until: datetime | None = None,
    blocked_reason: str | None = None,
    disabled_reason: str | None = None,
) -> None:
    with store.transaction() as cur:
        cur.execute(
            "insert or replace into platform_state values (?, ?, ?, ?, ?)",
            [platform, blocked_until, blocked_reason, disabled_reason, now],
        )


def blocked_until(store: Store, platform: str) -> datetime | None:
    row = (
        store.cursor()
        .execute("select blocked_until from platform_state where platform = ?", [platform])
        .fetchone()
    )
    return row[0] if row else None


def quota_spent_since(store: Store, platform: str, since: datetime, cost: int) -> int:
    """Units a quota'd platform spent since `since` (the quota day's start), from the runs table."""
    row = (
        store.cursor()
        .execute(
            "select coalesce(sum(requests), 0) from runs where platform = ? and started_at >= ?",
            [platform, since],
        )
        .fetchone()
    )
    return int(row[0]) * cost if row else 0
