"""Trending (`/trending`): what gained the most interactions in the last hour, with a chart of
how each of the top stories gained over that hour, in 5-minute steps."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

from dashboards import figures
from dashboards.components import platform_filter, ranking_table
from dashboards.data import Data

LIMIT = 10
LINES = 5  # more lines than this make the chart unreadable


def content(data: Data, platform: str) -> tuple[Any, go.Figure]:
    ranking = data.trending(platform or "", LIMIT)
    series = data.trending_series(platform or "", LINES)
    where = f" on {platform}" if platform else ""
    table = ranking_table(
        ranking.rows, "Gained, last hour", f"Nothing gained interactions{where} in the last hour."
    )
    return table, figures.trending_lines(series.rows)


def layout(data: Data, refresh_s: float) -> html.Section:
    table, figure = content(data, "")
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
                    html.Div(
                        [html.Label("Platform"), platform_filter("tr-platform", data.platforms())],
                        className="control",
                    )
                ],
                className="controls",
            ),
            dcc.Graph(id="tr-chart", figure=figure, config={"displayModeBar": False}),
            html.Div(table, id="tr-table"),
            dcc.Interval(id="tr-tick", interval=int(refresh_s * 1000)),
        ],
        className="page page-trending",
    )


def register(app: Dash, data: Data) -> None:
    @app.callback(
        Output("tr-table", "children"),
        Output("tr-chart", "figure"),
        Input("tr-platform", "value"),
        Input("tr-tick", "n_intervals"),
        prevent_initial_call=True,
    )
    def refresh(platform: str, _tick: int | None) -> tuple[Any, go.Figure]:
        return content(data, platform)
