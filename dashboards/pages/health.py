"""Collector health (`/health`): per platform, the last round and last success, the error rate
and rate-limit waits over the last 50 rounds, items due now, and until when it is throttled."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import polars as pl
from dash import html

from dashboards import components
from dashboards import format as fmt
from dashboards.components import Column
from dashboards.data import Data
from dashboards.view import Ctx

COLUMNS = (
    "Platform",
    "Last round",
    "Last success",
    "Status",
    "Error rate",
    "Rate-limit waits",
    "Tracked",
    "Due now",
    "Gone",
    "Blocked until",
    "Note",
)
NUMERIC = {"Error rate", "Rate-limit waits", "Tracked", "Due now", "Gone"}
# The column each header sorts by (the URL's sort=<key>); headers not listed do not sort.
SORT_BY = {
    "Platform": "platform",
    "Last round": "last_round_at",
    "Last success": "last_success_at",
    "Status": "last_status",
    "Error rate": "error_rate",
    "Rate-limit waits": "recent_rate_limit_waits",
    "Tracked": "tracked_items",
    "Due now": "due_now",
    "Gone": "gone_items",
    "Blocked until": "blocked_until",
}


def sort_columns() -> list[Column]:
    return [
        Column(c.lower().replace(" ", "-"), c, lambda r: None, SORT_BY.get(c), numeric=c in NUMERIC)
        for c in COLUMNS
    ]


def _row(row: dict[str, Any], now: datetime, tz: tzinfo) -> html.Tr:
    # The platform's state and note come from SQL (platform_status_at, the rule the runner
    # enforces); while it is ok, the Status column shows how its last round went.
    state = row["state"] if row["state"] != "ok" else (row["last_status"] or "idle")
    errors = (
        f"{fmt.percent(row['error_rate'])} ({row['recent_errors']} of {row['recent_requests']} requests)"
        if row["recent_requests"]
        else "–"
    )
    note = row["note"] or ""
    return html.Tr(
        [
            html.Td(html.Span(row["platform"], className=f"chip chip-{row['platform']}")),
            html.Td(fmt.ago(row["last_round_at"], now)),
            html.Td(fmt.ago(row["last_success_at"], now)),
            html.Td(html.Span(state, className=f"status status-{state}")),
            html.Td(errors, className="num"),
            html.Td(fmt.count(row["recent_rate_limit_waits"]), className="num"),
            html.Td(fmt.count(row["tracked_items"]), className="num"),
            html.Td(fmt.count(row["due_now"]), className="num"),
            html.Td(fmt.count(row["gone_items"]), className="num"),
            html.Td(
                f"{fmt.clock_time(row['blocked_until'], tz)} ({fmt.ago(row['blocked_until'], now)})"
                if row["blocked_until"] is not None
                else "–"
            ),
            html.Td(note, className="muted"),
        ],
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


def layout(data: Data, ctx: Ctx) -> html.Section:
    return html.Section(
        [
            html.H1("Collector health"),
            html.P(
                "Error rate and rate-limit waits cover each platform's last 50 rounds. Due now counts "
                "posts whose next sample is overdue.",
                className="lede",
            ),
            html.Div(content(data, ctx), id="page-content"),
        ],
        className="page page-health",
    )
