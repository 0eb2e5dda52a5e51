"""Collector health (`/health`): per platform, the last round and last success, the error rate
and rate-limit waits over the last 50 rounds, items due now, and until when it is throttled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import Dash, Input, Output, dcc, html

from dashboards import format as fmt
from dashboards.data import Data

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


def _row(row: dict[str, Any], now: datetime) -> html.Tr:
    # The platform's state and note come from SQL (platform_status_at, the rule the runner
    # enforces); while it is ok, the Status column shows how its last round went.
    state = row["state"] if row["state"] != "ok" else (row["last_status"] or "idle")
    errors = (
        f"{fmt.percent(row['error_rate'])} ({row['recent_errors']} of {row['recent_requests']} requests)"
        if row["recent_requests"]
        else "–"
    )
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
                f"{fmt.clock_time(row['blocked_until'])} ({fmt.ago(row['blocked_until'], now)})"
                if row["blocked_until"] is not None
                else "–"
            ),
            html.Td(row["note"] or "", className="muted"),
        ],
        **{"data-platform": row["platform"]},
    )


def content(data: Data) -> Any:
    rows = data.health()
    if rows.is_empty():
        return html.P("No collector has run yet.", className="empty")
    now = data.now()
    head = html.Thead(html.Tr([html.Th(c, className="num" if c in NUMERIC else "") for c in COLUMNS]))
    return html.Table(
        [head, html.Tbody([_row(r, now) for r in rows.iter_rows(named=True)])], className="health"
    )


def layout(data: Data, refresh_s: float) -> html.Section:
    return html.Section(
        [
            html.H1("Collector health"),
            html.P(
                "Error rate and rate-limit waits cover each platform's last 50 rounds. Due now counts "
                "posts whose next sample is overdue.",
                className="lede",
            ),
            html.Div(content(data), id="health-table"),
            dcc.Interval(id="health-tick", interval=int(refresh_s * 1000)),
        ],
        className="page page-health",
    )


def register(app: Dash, data: Data) -> None:
    @app.callback(
        Output("health-table", "children"), Input("health-tick", "n_intervals"), prevent_initial_call=True
    )
    def refresh(_tick: int | None) -> Any:
        return content(data)
