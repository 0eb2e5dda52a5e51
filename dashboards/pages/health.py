"""Collector health (`/health`): per platform its state (degraded or not, and why), last
success, error rate over the last 50 rounds, rate-limit budget used, backlog (due, overdue, how
late) and last error, from sql/queries/health.sql, the query `tracker status` prints. On a phone
each platform is a card."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import polars as pl
from dash import html

from dashboards import components, refresh
from dashboards import format as fmt
from dashboards.components import Column
from dashboards.data import Data
from dashboards.view import Ctx

COLUMNS = (
    "Platform",
    "Status",
    "Last success",
    "Error rate",
    "Budget used",
    "Backlog",
    "Last error",
)
NUMERIC = {"Error rate", "Budget used", "Backlog"}
# The column each header sorts by (the URL's sort=<key>); headers not listed do not sort.
SORT_BY = {
    "Platform": "platform",
    "Status": "state",
    "Last success": "last_success_at",
    "Error rate": "error_rate",
    "Budget used": "budget_used",
    "Backlog": "due_now",
    "Last error": "last_error_at",
}
# Cells that take a whole line of a phone's card (their text runs long).
WIDE = {"Status", "Backlog", "Last error"}


def sort_columns() -> list[Column]:
    return [
        Column(c.lower().replace(" ", "-"), c, lambda r: None, SORT_BY.get(c), numeric=c in NUMERIC)
        for c in COLUMNS
    ]


def _status(row: dict[str, Any], now: datetime, tz: tzinfo) -> list[Any]:
    """The platform's state by the one rule (platform_status_at); while it is ok, how its last
    round went. A state other than ok or off is 'degraded' in the query and marked so here."""
    state = row["state"] if row["state"] != "ok" else (row["last_status"] or "idle")
    cell: list[Any] = [html.Span(state, className=f"status status-{state}")]
    if row["degraded"] and state != "degraded":
        cell.append(html.Span("degraded", className="status status-degraded"))
    if row["blocked_until"] is not None:
        until = f"until {fmt.clock_time(row['blocked_until'], tz)} ({fmt.ago(row['blocked_until'], now)})"
        cell.append(html.Span(until, className="cell-line muted"))
    if row["note"]:
        cell.append(html.Span(row["note"], className="cell-line muted note"))
    return cell


def _errors(row: dict[str, Any]) -> str:
    if not row["recent_requests"] and not row["recent_errors"]:
        return "–"
    return f"{fmt.percent(row['error_rate'])} ({row['recent_errors']} of {row['recent_requests']} requests)"


def _budget(row: dict[str, Any]) -> list[Any] | str:
    if row["budget"] is None:
        return "–"
    window = fmt.duration(row["window_s"])
    return [
        f"{fmt.percent(row['budget_used'])} ({fmt.count(row['window_requests'])} of {fmt.count(row['budget'])}",
        html.Span(f" per {window})", className="nowrap"),
        html.Span(
            f"last hour {fmt.count(row['requests_last_hour'])} of {fmt.count(row['allowed_last_hour'])}",
            className="cell-line muted",
        ),
    ]


def _backlog(row: dict[str, Any]) -> list[Any]:
    cell: list[Any] = [
        f"{fmt.count(row['due_now'])} due, {fmt.count(row['overdue'])} overdue",
        html.Span(f"of {fmt.count(row['tracked_items'])} tracked", className="cell-line muted"),
    ]
    if row["due_now"]:
        late = f"late {fmt.duration(row['median_late_s'])} (max {fmt.duration(row['max_late_s'])})"
        cell.append(html.Span(late, className="cell-line muted"))
    return cell


def _last_error(row: dict[str, Any], now: datetime) -> list[Any] | str:
    if not row["last_error"]:
        return "–"
    return [
        html.Span(fmt.ago(row["last_error_at"], now), className="cell-line muted"),
        html.Span(row["last_error"], className="cell-line note"),
    ]


def _row(row: dict[str, Any], now: datetime, tz: tzinfo) -> html.Tr:
    cells: dict[str, Any] = {
        "Platform": html.Span(row["platform"], className=f"chip chip-{row['platform']}"),
        "Status": _status(row, now, tz),
        "Last success": fmt.ago(row["last_success_at"], now),
        "Error rate": _errors(row),
        "Budget used": _budget(row),
        "Backlog": _backlog(row),
        "Last error": _last_error(row, now),
    }
    classes = {
        c: " ".join(k for k, on in (("num", c in NUMERIC), ("wide", c in WIDE)) if on) for c in COLUMNS
    }
    return html.Tr(
        [html.Td(cells[c], className=classes[c] or None) for c in COLUMNS],
        className="degraded" if row["degraded"] else None,
        **{"data-platform": row["platform"]},
    )


def shown(data: Data, ctx: Ctx) -> pl.DataFrame:
    """The health rows in the order the URL asks for (the table and its CSV download)."""
    return components.sort_frame(data.health(), sort_columns(), ctx.view)


def content(data: Data, ctx: Ctx) -> Any:
    rows = shown(data, ctx)
    if rows.is_empty():
        return html.P("No collector has run yet.", className="empty")
    now = data.now()
    head = components.header_row(sort_columns(), ctx.view, ctx.pathname)
    table = html.Table(
        [head, html.Tbody([_row(r, now, ctx.tz) for r in rows.iter_rows(named=True)])], className="health"
    )
    return [
        components.label_cells(table),
        html.Div(
            components.download_link("/download/health.csv" + ctx.view.search()), className="table-foot"
        ),
    ]


def csv(data: Data, ctx: Ctx) -> pl.DataFrame:
    return shown(data, ctx)


def layout(data: Data, ctx: Ctx, shown: Any) -> html.Section:
    """The page around `shown`, its `content` (computed as a warmed view by the app)."""
    return html.Section(
        [
            html.H1("Collector health"),
            html.P(
                "Error rate covers each platform's last 50 rounds; budget used, the requests of its current "
                "rate-limit window. Backlog counts posts whose next sample is due, and overdue those "
                "waiting longer than one round.",
                className="lede",
            ),
            *refresh.area(shown),
        ],
        className="page page-health",
    )
