"""High-water marks, owned by the framework (dlt's incremental state is the model): a collector
yields `Cursor(platform, source, value)` with any JSON-serialisable value (an ETag and
Last-Modified pair, the newest publication time seen, a newest id), the runner stores it as
JSON in the `cursors` table, and the next `discover(cursors)` receives the values decoded,
keyed by source. Collectors never encode or parse their own state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from tracker.collector import Cursor, JsonValue
from tracker.errors import ContractViolation
from tracker.store import Store


def load(store: Store, platform: str) -> dict[str, JsonValue]:
    """Every mark of a platform, decoded; a value that is not JSON is dropped (read again from scratch)."""
    rows = (
        store.cursor().execute("select source, value from cursors where platform = ?", [platform]).fetchall()
    )
    marks: dict[str, JsonValue] = {}
    for source, value in rows:
        try:
            marks[str(source)] = json.loads(value)
        except ValueError:
            continue
    return marks


def save(store: Store, records: Iterable[Cursor], now: datetime) -> int:
    """Store the marks a run yielded (the last one per source wins); how many were stored."""
    latest: dict[tuple[str, str], str] = {}
    for record in records:
        try:
            text = json.dumps(record.value, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ContractViolation(
                f"{record.platform}: cursor {record.source!r} is not JSON-serialisable ({exc})"
            ) from None
        latest[(record.platform, record.source)] = text
    if not latest:
        return 0
    with store.transaction() as cur:
        for (platform, source), text in latest.items():
            cur.execute("insert or replace into cursors values (?, ?, ?, ?)", [platform, source, text, now])
    return len(latest)
