"""Pieces every page shares: the navigation bar, the "data as of" freshness badge, the window
and platform selectors, and the ranked-stories table (Most Popular and Trending)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import polars as pl
from dash import dcc, html

from dashboards import format as fmt
from dashboards.data import WINDOWS

NAV = (("/", "Most popular"), ("/trending", "Trending"), ("/health", "Health"))
STALE_AFTER = timedelta(minutes=15)  # older than this, the badge turns amber


def nav(pathname: str | None) -> list[dcc.Link]:
    """Links to the top-level pages, the current one marked."""
    current = (pathname or "/").rstrip("/") or "/"
    return [
        dcc.Link(label, href=href, className="nav-link active" if href == current else "nav-link")
        for href, label in NAV
    ]


def freshness_badge(latest_sample_at: datetime | None, as_of: datetime) -> html.Span:
    """'Data as of 21:14:47 UTC · 3 min ago': when the newest observation was made."""
    if latest_sample_at is None:
        return html.Span("No data yet", className="badge badge-stale", id="freshness-text")
    stale = as_of - latest_sample_at > STALE_AFTER
    return html.Span(
        [
            f"Data as of {fmt.clock_time(latest_sample_at)}",
            html.Span(f" · {fmt.ago(latest_sample_at, as_of)}", className="badge-ago"),
        ],
        className="badge badge-stale" if stale else "badge",
        title=f"newest sample {fmt.iso(latest_sample_at)}; ranked as of {fmt.iso(as_of)}",
        id="freshness-text",
    )


def window_selector(component_id: str, value: str) -> dcc.RadioItems:
    """1h / 6h / 24h / 7d as a row of pills."""
    return dcc.RadioItems(
        id=component_id,
        options=[{"label": name, "value": name} for name in WINDOWS],
        value=value,
        inline=True,
        className="pills",
        labelClassName="pill",
    )


def platform_filter(component_id: str, platforms: list[str], value: str = "") -> dcc.RadioItems:
    """'All platforms' plus one pill per platform with data ('' means all)."""
    return dcc.RadioItems(
        id=component_id,
        options=[{"label": "All platforms", "value": ""}] + [{"label": p, "value": p} for p in platforms],
        value=value,
        inline=True,
        className="pills",
        labelClassName="pill",
    )


def _data_attr(name: str, value: object) -> dict[str, Any]:
    """A `data-*` attribute for a Dash html component (tests and scripts find rows by it)."""
    return {f"data-{name}": str(value)}


def _platform_chips(platforms: list[str] | None) -> list[html.Span]:
    return [html.Span(p, className=f"chip chip-{p}") for p in platforms or []]


def ranking_table(rows: pl.DataFrame, gained_label: str, empty_message: str) -> html.Table | html.P:
    """Ranked stories: rank, title (linking to its article page), interactions gained, total."""
    if rows.is_empty():
        return html.P(empty_message, className="empty")
    head = html.Thead(
        html.Tr(
            [
                html.Th("#", className="num"),
                html.Th("Story"),
                html.Th(gained_label, className="num"),
                html.Th("Total interactions", className="num"),
                html.Th("Views gained", className="num"),
                html.Th("Platforms"),
            ]
        )
    )
    body = []
    for row in rows.iter_rows(named=True):
        story = html.Td(
            [
                dcc.Link(
                    row["title"] or row["url"], href=f"/article/{row['article_id']}", className="story-link"
                ),
                html.Div(
                    [
                        html.Span(" · ".join(filter(None, [row["site"], row["section"]]))),
                        html.A("open ↗", href=row["url"], target="_blank", rel="noopener", className="ext"),
                    ],
                    className="story-meta",
                ),
            ]
        )
        body.append(
            html.Tr(
                [
                    html.Td(row["rank"], className="num rank"),
                    story,
                    html.Td(fmt.count(row["interactions"]), className="num strong"),
                    html.Td(fmt.count(row["total_interactions"]), className="num"),
                    html.Td(fmt.count(row["views"]) if row["views"] else "–", className="num muted"),
                    html.Td(_platform_chips(row["platforms"])),
                ],
                **_data_attr("article-id", row["article_id"]),
            )
        )
    return html.Table([head, html.Tbody(body)], className="ranking")
