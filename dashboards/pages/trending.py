"""Trending (`/trending`): what gained the most interactions in the last hour, with a chart of how
each of the top stories gained over that hour in 5-minute steps. The chart's scale is a choice in
the URL: each story as a share of its own hour (the default, readable when one story dwarfs the
rest), a logarithmic axis, or a linear one."""

from __future__ import annotations

from typing import Any

import polars as pl
from dash import Dash, Input, Output, State, dcc, html

from dashboards import components, figures
from dashboards import format as fmt
from dashboards.components import Column
from dashboards.data import Data
from dashboards.view import Ctx, parse

LIMIT = 10
LINES = 5  # more lines than this make the chart unreadable
SCALE_LABELS = (("share", "% of each story"), ("log", "Log"), ("linear", "Linear"))


def frame(data: Data, ctx: Ctx) -> tuple[pl.DataFrame, Any]:
    result = data.trending(ctx.view.get("platform"), LIMIT)
    return result.rows, result.as_of


def columns(ctx: Ctx, now: Any) -> list[Column]:
    return [
        Column("rank", "#", lambda r: html.Span(r["rank"], className="rank"), "rank", numeric=True),
        Column("title", "Story", lambda r: components.story_cell(r, ctx.tz, now), "title"),
        Column(
            "gained",
            "Gained, last hour",
            lambda r: html.Strong(fmt.count(r["interactions"])),
            "interactions",
            numeric=True,
        ),
        Column(
            "total", "Total", lambda r: fmt.count(r["total_interactions"]), "total_interactions", numeric=True
        ),
        Column("views", "Views gained", lambda r: fmt.count(r["views"]), "views", numeric=True),
        Column(
            "platforms",
            "Where",
            lambda r: [components.platform_chip(p) for p in r["platforms"] or []],
            "platforms",
        ),
        Column("age", "Published", lambda r: fmt.ago(r["published_at"], now), "published_at"),
    ]


def csv(data: Data, ctx: Ctx) -> pl.DataFrame:
    rows, now = frame(data, ctx)
    cols = columns(ctx, now)
    shown = components.sort_frame(rows, cols, ctx.view)
    return components.csv_frame(shown, cols).insert_column(2, shown["url"])


def content(data: Data, ctx: Ctx) -> Any:
    rows, now = frame(data, ctx)
    series = data.trending_series(ctx.view.get("platform"), LINES).rows
    chart = dcc.Graph(
        id="tr-chart",
        figure=figures.trending_lines(series, ctx.view.get("scale"), ctx.tz),
        config={"displayModeBar": False, "responsive": True},
    )
    if rows.is_empty():
        where = f" on {ctx.view.get('platform')}" if ctx.view.get("platform") else ""
        return [chart, html.P(f"Nothing gained interactions{where} in the last hour.", className="empty")]
    cols = columns(ctx, now)
    return [
        chart,
        *components.ranking_table(
            components.sort_frame(rows, cols, ctx.view), cols, ctx, "/download/trending.csv", now
        ),
    ]


def layout(data: Data, ctx: Ctx) -> html.Section:
    v = ctx.view
    return html.Section(
        [
            html.H1("Trending now"),
            html.P(
                "What gained the most interactions in the last hour. A post found during the hour "
                "counts from its first sample only if it was published within the hour.",
                className="lede",
            ),
            html.Div(
                [
                    components.control(
                        "Platform",
                        components.pills(
                            "tr-platform",
                            [("", "All")] + [(p, p) for p in data.platforms()],
                            v.get("platform"),
                        ),
                    ),
                    components.control(
                        "Chart scale", components.pills("tr-scale", SCALE_LABELS, v.get("scale"))
                    ),
                ],
                className="controls",
            ),
            html.Div(content(data, ctx), id="page-content"),
        ],
        className="page page-trending",
    )


def register(app: Dash) -> None:
    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("tr-platform", "value"),
        Input("tr-scale", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def choose(platform: str, scale: str, search: str) -> str:
        return parse("trending", search).with_(platform=platform, scale=scale).search()
