"""Most Popular (`/`): stories ranked by interactions gained in a window (1h, 6h, 24h, 7d), on
all platforms or one, with a stacked bar chart of where the interactions came from. The table
re-ranks every `refresh_s`, so stories visibly overtake each other as samples arrive."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

from dashboards import figures
from dashboards.components import platform_filter, ranking_table, window_selector
from dashboards.data import DEFAULT_WINDOW, WINDOWS, Data

LIMIT = 10


def content(data: Data, window: str, platform: str) -> tuple[Any, go.Figure]:
    """The ranking table and the bar chart for one window and platform filter."""
    window = window if window in WINDOWS else DEFAULT_WINDOW
    ranking = data.most_popular(window, platform or "", LIMIT)
    breakdown = data.platform_breakdown(window, platform or "", LIMIT)
    where = f" on {platform}" if platform else ""
    table = ranking_table(
        ranking.rows, f"Gained, last {window}", f"No story gained interactions{where} in the last {window}."
    )
    return table, figures.popularity_bars(breakdown.rows)


def layout(data: Data, refresh_s: float) -> html.Section:
    table, figure = content(data, DEFAULT_WINDOW, "")
    return html.Section(
        [
            html.H1("Most popular"),
            html.P(
                "Stories ranked by the interactions (likes, reposts, comments, votes, shares…) they "
                "gained in the window, summed over every platform.",
                className="lede",
            ),
            html.Div(
                [
                    html.Div(
                        [html.Label("Window"), window_selector("mp-window", DEFAULT_WINDOW)],
                        className="control",
                    ),
                    html.Div(
                        [html.Label("Platform"), platform_filter("mp-platform", data.platforms())],
                        className="control",
                    ),
                ],
                className="controls",
            ),
            html.Div(table, id="mp-table"),
            dcc.Graph(id="mp-chart", figure=figure, config={"displayModeBar": False}),
            dcc.Interval(id="mp-tick", interval=int(refresh_s * 1000)),
        ],
        className="page page-most-popular",
    )


def register(app: Dash, data: Data) -> None:
    @app.callback(
        Output("mp-table", "children"),
        Output("mp-chart", "figure"),
        Input("mp-window", "value"),
        Input("mp-platform", "value"),
        Input("mp-tick", "n_intervals"),
        prevent_initial_call=True,
    )
    def refresh(window: str, platform: str, _tick: int | None) -> tuple[Any, go.Figure]:
        return content(data, window, platform)
