"""The page for paths no route knows (the server also answers them with HTTP 404)."""

from __future__ import annotations

from dash import dcc, html


def layout(pathname: str) -> html.Section:
    return html.Section(
        [
            html.H1("Page not found"),
            html.P(["There is no page at ", html.Code(pathname), "."]),
            html.P(dcc.Link("Back to Most popular", href="/")),
        ],
        className="page page-not-found",
    )
