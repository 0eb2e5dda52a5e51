"""One story (`/article/<article_id>`): what we know about it, its latest count per platform and
metric, and one chart panel per metric with a line per platform, refreshed every `refresh_s`."""

from __future__ import annotations

from typing import Any

import polars as pl
from dash import Dash, Input, Output, State, dcc, html

from dashboards import figures
from dashboards import format as fmt
from dashboards.data import Data


def _latest_table(series: pl.DataFrame) -> html.Table | html.P:
    """Platforms as rows, metrics as columns: each platform's latest value (blank = not reported)."""
    if series.is_empty():
        return html.P(
            "No samples of this story yet; the collectors sample it once posts sharing it are found.",
            className="empty",
        )
    latest = series.sort("ts").group_by("platform", "metric").agg(pl.col("value").last())
    present = set(latest["metric"])
    metrics = figures.in_catalog_order(present)
    values = {(p, m): v for p, m, v in latest.iter_rows()}
    rows = [
        html.Tr(
            [html.Td(html.Span(p, className=f"chip chip-{p}"))]
            + [
                html.Td(fmt.count(values[(p, m)]) if (p, m) in values else "", className="num")
                for m in metrics
            ]
        )
        for p in sorted(set(latest["platform"]))
    ]
    head = html.Thead(html.Tr([html.Th("Platform")] + [html.Th(m, className="num") for m in metrics]))
    return html.Table([head, html.Tbody(rows)], className="latest")


def body(data: Data, article_id: int) -> Any:
    """Everything below the page's heading; a short message when the id is unknown."""
    found = data.article(article_id)
    if found.is_empty():
        return html.Div(
            [
                html.H1("Story not found"),
                html.P(f"No article has id {article_id}."),
                html.P(dcc.Link("Back to Most popular", href="/")),
            ]
        )
    article = found.row(0, named=True)
    series = data.article_series(article_id)
    facts = [
        ("Total interactions", fmt.count(article["total_interactions"])),
        ("Views", fmt.count(article["total_views"]) if article["total_views"] else "–"),
        ("Posts tracked", fmt.count(article["items"])),
        ("Published", fmt.when(article["published_at"])),
        ("Last sampled", fmt.when(article["last_sample_at"])),
    ]
    return html.Div(
        [
            html.H1(article["title"] or article["url"]),
            html.P(
                [
                    html.Span(
                        " · ".join(filter(None, [article["site"], article["section"], article["author"]]))
                    ),
                    html.A(
                        "open the story ↗",
                        href=article["url"],
                        target="_blank",
                        rel="noopener",
                        className="ext",
                    ),
                    html.Span(" (no longer tracked)", className="muted") if not article["tracked"] else None,
                ],
                className="story-meta",
            ),
            html.Dl(
                [html.Div([html.Dt(label), html.Dd(value)]) for label, value in facts],
                className="facts",
            ),
            _latest_table(series),
            dcc.Graph(
                id="article-graph", figure=figures.article_metrics(series), config={"displayModeBar": False}
            ),
        ]
    )


def layout(data: Data, refresh_s: float, article_id: int) -> html.Section:
    return html.Section(
        [
            dcc.Store(id="article-id", data=article_id),
            html.Div(body(data, article_id), id="article-body"),
            dcc.Interval(id="article-tick", interval=int(refresh_s * 1000)),
        ],
        className="page page-article",
    )


def register(app: Dash, data: Data) -> None:
    @app.callback(
        Output("article-body", "children"),
        Input("article-tick", "n_intervals"),
        State("article-id", "data"),
        prevent_initial_call=True,
    )
    def refresh(_tick: int | None, article_id: int) -> Any:
        return body(data, int(article_id))
