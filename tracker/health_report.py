"""`tracker status` for a terminal: one short block per platform from the health query's rows
(sql/queries/health.sql, the one the Health page reads). Its thirty-odd columns do not fit one
table row; `--format csv` or `json` gives them all as they are."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl


def duration(seconds: float | None) -> str:
    """A span a person reads at a glance: 45 s, 12 min, 3.5 h, 2.0 d."""
    if seconds is None:
        return "–"
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _ago(moment: datetime | None, now: datetime) -> str:
    return "never" if moment is None else f"{duration((now - moment).total_seconds())} ago"


def _share(part: float | None, whole: float | None) -> str:
    return f"{part / whole:.0%}" if part is not None and whole else "–"


def block(row: dict[str, Any], now: datetime) -> list[str]:
    """The lines for one platform."""
    state = str(row["state"])
    head = f"{row['platform']}: {state.upper() if row['degraded'] else state}"
    if row["note"]:  # an off platform's note says "off: why"; the state is already said
        head += f" ({str(row['note']).removeprefix(state + ': ')})"
    lines = [
        head,
        f"  last success {_ago(row['last_success_at'], now)}; last round {_ago(row['last_round_at'], now)}",
    ]
    lines.append(
        f"  items: {row['tracked_items']:,} tracked, {row['due_now']:,} due, {row['overdue']:,} overdue"
        + (
            f" (late by median {duration(row['median_late_s'])}, max {duration(row['max_late_s'])})"
            if row["due_now"]
            else ""
        )
    )
    if row["budget"] is not None:
        lines.append(
            f"  requests: {row['window_requests']:,} of {row['budget']:,} in the current "
            f"{duration(row['window_s'])} window ({_share(row['window_requests'], row['budget'])}); "
            f"{row['requests_last_hour']:,} of {row['allowed_last_hour']:,} allowed in the last hour"
        )
    rounds = row["recent_rounds"]
    rate = "–" if row["error_rate"] is None else format(row["error_rate"], ".0%")
    lines.append(
        f"  errors: {row['recent_errors']:,} in {row['recent_requests']:,} requests of the last "
        f"{rounds} round{'' if rounds == 1 else 's'} ({rate})"
    )
    if row["last_error"]:
        lines.append(
            f"  last error {_ago(row['last_error_at'], now)}: {' '.join(str(row['last_error']).split())}"
        )
    return lines


def report(frame: pl.DataFrame, now: datetime) -> str:
    if frame.is_empty():
        return "No collector has run yet.\n"
    return "\n".join(line for row in frame.iter_rows(named=True) for line in block(row, now)) + "\n"
