"""The newsroom dashboards: Most Popular, Trending, one page per story, collector Health, and
the JSON the news site's Most Popular box fetches, all read through `dashboards.data`.

`create_app(store)` builds a fresh Dash app. Nothing is read at import and nothing is global:
pages are routed by a plain `dcc.Location` callback instead of Dash's `pages` registry (a
module-global), so two apps on two stores can live in one process, as the tests do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import dash
from dash import Input, Output, dcc, html
from flask import Response, request

from dashboards import api, components
from dashboards.data import Data
from dashboards.pages import article, health, most_popular, not_found, trending
from tracker.clock import Clock
from tracker.store import Store

__all__ = ["Route", "create_app", "resolve"]

_ARTICLE = re.compile(r"^/article/(\d{1,18})$")
_PAGES = {"/": "most_popular", "/trending": "trending", "/health": "health"}
_INDEX_RULES = {"/", "/<path:path>"}  # Dash's index and catch-all routes


@dataclass(frozen=True)
class Route:
    page: str  # most_popular, trending, health, article, not_found
    args: dict[str, Any] = field(default_factory=dict)


def resolve(pathname: str | None) -> Route:
    """Which page a path shows: '/article/12' -> Route('article', {'article_id': 12})."""
    path = (pathname or "/").rstrip("/") or "/"
    if path in _PAGES:
        return Route(_PAGES[path])
    match = _ARTICLE.match(path)
    if match:
        return Route("article", {"article_id": int(match.group(1))})
    return Route("not_found", {"pathname": pathname or "/"})


def _shell(title: str, refresh_s: float) -> html.Div:
    """The frame around every page: brand, navigation, freshness badge; the router fills `page`."""
    return html.Div(
        [
            dcc.Location(id="url"),
            html.Header(
                [
                    dcc.Link(title, href="/", className="brand"),
                    html.Nav(components.nav("/"), id="nav"),
                    html.Div(id="freshness", className="freshness"),
                ],
                className="topbar",
            ),
            html.Main(id="page", className="container"),
            dcc.Interval(id="shell-tick", interval=int(refresh_s * 1000)),
        ]
    )


def create_app(
    store: Store, refresh_s: float = 10.0, title: str = "Virality tracker", clock: Clock | None = None
) -> dash.Dash:
    """A Dash app over `store`; pages and the JSON API re-read data every `refresh_s` seconds.

    `clock` sets the time rankings are computed for (default: the wall clock).
    """
    data = Data(store, clock, ttl_s=min(refresh_s / 2, 5.0))
    app = dash.Dash(__name__, title=title, update_title="", suppress_callback_exceptions=True)
    app.layout = _shell(title, refresh_s)

    def render(route: Route) -> Any:
        if route.page == "most_popular":
            return most_popular.layout(data, refresh_s)
        if route.page == "trending":
            return trending.layout(data, refresh_s)
        if route.page == "health":
            return health.layout(data, refresh_s)
        if route.page == "article":
            return article.layout(data, refresh_s, **route.args)
        return not_found.layout(**route.args)

    @app.callback(Output("page", "children"), Output("nav", "children"), Input("url", "pathname"))
    def route(pathname: str | None) -> tuple[Any, Any]:
        return render(resolve(pathname)), components.nav(pathname)

    @app.callback(
        Output("freshness", "children"), Input("shell-tick", "n_intervals"), Input("url", "pathname")
    )
    def freshness(_tick: int | None, _pathname: str | None) -> Any:
        result = data.freshness()
        return components.freshness_badge(result.rows["latest_sample_at"][0], result.as_of)

    for page in (most_popular, trending, article, health):
        page.register(app, data)
    api.register(app.server, data, max_age_s=max(1, int(refresh_s)))

    @app.server.after_request
    def not_found_status(response: Response) -> Response:
        # Dash answers every path with its page shell; unknown paths should still say 404
        # to crawlers and link checkers (the page itself renders "Page not found").
        rule = request.url_rule.rule if request.url_rule else None
        if request.method == "GET" and rule in _INDEX_RULES and resolve(request.path).page == "not_found":
            response.status_code = 404
        return response

    return app
