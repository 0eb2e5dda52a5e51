"""The newsroom dashboards: Most Popular, Trending, one page per story, collector Health, the JSON
and the embeddable snippet for the news site's Most Popular box, all read through `dashboards.data`.

`create_app(store)` builds a fresh Dash app. Nothing is read at import and nothing is global:
pages are routed by a plain `dcc.Location` callback instead of Dash's `pages` registry (a
module-global), so two apps on two stores can live in one process, as the tests do.

A page is a function of its URL: the router renders it from the path and the query string
(`dashboards.view`), each control writes its choice back into the query string (a new browser
history entry, so back and forward work), and a timer refreshes the data part in place.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import dash
from dash import ALL, Input, Output, State, dcc, html
from flask import Response, request

from dashboards import api, box, components, downloads, embed, plotly_bundle, refresh
from dashboards.data import Data, Result, Served
from dashboards.pages import article, health, most_popular, not_found, trending
from dashboards.view import Ctx, parse, valid_zone
from tracker.clock import Clock
from tracker.errors import ConfigError
from tracker.owner.access import Access
from tracker.store import Store

__all__ = ["Route", "create_app", "resolve"]

log = logging.getLogger("tracker.dashboards")
_ARTICLE = re.compile(r"^/article/(\d{1,18})$")
_PAGES = {"/": "most_popular", "/trending": "trending", "/health": "health"}
_INDEX_RULES = {"/", "/<path:path>"}  # Dash's index and catch-all routes
_BROWSER_ZONE = """function(_) {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { return null; }
}"""


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


def context(
    route: Route, pathname: str | None, search: str | None, browser_zone: str | None, default_zone: str
) -> Ctx:
    """The page's view from the URL and its display time zone: the URL's `tz`, else the
    browser's, else the configured default."""
    view = parse(route.page, search)
    name = view.get("tz") or (browser_zone if browser_zone and valid_zone(browser_zone) else default_zone)
    return Ctx(view, ZoneInfo(name), name, (pathname or "/").rstrip("/") or "/")


def _shell(title: str, refresh_s: float) -> html.Div:
    """The frame around every page: brand, navigation, freshness badge; the router fills `page`."""
    return html.Div(
        [
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="browser-tz"),
            html.Div(id="tz-probe", hidden=True),
            html.Header(
                [
                    dcc.Link(title, href="/", className="brand"),
                    html.Nav(components.nav("/"), id="nav"),
                    html.Div(id="freshness", className="freshness"),
                ],
                className="topbar",
            ),
            html.Main(id="page", className="container"),
            html.Footer(
                f"Refreshes every {refresh_s:g} s. Times in your browser's zone unless the link says otherwise.",
                className="footer",
            ),
            dcc.Interval(id="tick", interval=int(refresh_s * 1000)),
        ]
    )


def create_app(
    store: Store,
    refresh_s: float = 60.0,
    title: str = "Virality tracker",
    clock: Clock | None = None,
    timezone: str = "UTC",
    access: Access | None = None,
) -> dash.Dash:
    """A Dash app over `store`; pages and the JSON API re-read data every `refresh_s` seconds.

    `clock` sets the time rankings are computed for (default: the wall clock); `timezone` is the
    display zone when the browser does not say; `access` guards the server (default: a loopback
    policy, which still refuses foreign Host and Origin headers).
    """
    if not valid_zone(timezone):
        raise ConfigError(f"unknown time zone {timezone!r}; use an IANA name such as Europe/Paris")
    # One computation per query and refresh; the views readers ask are kept warm in the
    # background (dashboards.warmer), stopped by `app.server.extensions["tracker_close"]()`.
    data = Data(store, clock, ttl_s=refresh_s, warm_in_background=True)
    app = dash.Dash(__name__, title=title, update_title="", suppress_callback_exceptions=True)
    app.layout = _shell(title, refresh_s)
    app.server.extensions["tracker_data"] = data  # tests and bench/dashboard.py count its queries
    app.server.extensions["tracker_close"] = data.close  # the owner calls it once the server stopped
    app.server.debug = False  # never Dash or Flask debug: no dev tools, no tracebacks to callers
    (access or Access("127.0.0.1", {})).install(app.server)
    if not plotly_bundle.install(app.server):  # after the access checks: they guard it too
        log.warning(
            "charts load Dash's full plotly.js (4.8 MB): the vendored basic bundle is plotly.js %s, "
            "the installed plotly's is another minor version",
            plotly_bundle.bundle_version(),
        )

    def content(route: Route, ctx: Ctx, d: Data) -> Any:
        """A page's data part (what the timer refreshes)."""
        if route.page == "most_popular":
            return most_popular.content(d, ctx)
        if route.page == "trending":
            return trending.content(d, ctx)
        if route.page == "health":
            return health.content(d, ctx)
        return article.content(d, ctx, **route.args)

    def page_view(route: Route, ctx: Ctx) -> tuple[Hashable, Callable[[Data], Any]]:
        """A page's view for `Data.view`: its key and what it reads (its data part, the freshness
        badge's query, and the controls' choices its layout reads, so they are warm too)."""
        key = ("page", route.page, tuple(sorted(route.args.items())), ctx.view.search(), ctx.tz_name)
        return key, lambda d: (content(route, ctx, d), d.freshness(), d.platforms(), d.facets())

    def shown(route: Route, ctx: Ctx) -> tuple[Any, Any]:
        """The page's data part and its freshness badge, computed as one view: the warmer keeps
        its answers computed for the next ticks, and while it recomputes, readers get the
        previous tick's answers at once, the badge saying how old they are."""
        if route.page == "not_found":
            return dash.no_update, badge(data.freshness(), ctx, Served())
        (part, fresh, _, _), served = data.view(*page_view(route, ctx))
        return part, badge(fresh, ctx, served)

    def badge(fresh: Result, ctx: Ctx, served: Served) -> Any:
        return components.freshness_badge(fresh.rows["latest_sample_at"][0], fresh.as_of, ctx.tz, served)

    def render(route: Route, ctx: Ctx) -> tuple[Any, Any]:
        """The page's layout around its data part, and its freshness badge."""
        part, fresh = shown(route, ctx)
        if route.page == "not_found":
            return not_found.layout(**route.args), fresh
        if route.page == "most_popular":
            return most_popular.layout(data, ctx, part), fresh
        if route.page == "trending":
            return trending.layout(data, ctx, part), fresh
        if route.page == "health":
            return health.layout(data, ctx, part), fresh
        return article.layout(data, ctx, shown=part, **route.args), fresh

    # Every page's default view (in the configured zone) and the box's are warmed at each tick
    # from the first request on, even before anyone opens them.
    for path in _PAGES:
        where = resolve(path)
        data.keep_warm(*page_view(where, context(where, path, "", None, timezone)))
    data.keep_warm(box.view_key(box.DEFAULT), box.reader(box.DEFAULT))

    app.clientside_callback(  # type: ignore[no-untyped-call]  # Dash ships no annotations here
        _BROWSER_ZONE, Output("browser-tz", "data"), Input("tz-probe", "children")
    )

    # The freshness badge is an output of the page's two callbacks (the page's load and its
    # timer), from the same view as the figures it dates: a callback of its own ran in parallel
    # with each of them, a second request and a second look-up at every load and every tick.
    @app.callback(
        Output("page", "children"),
        Output("nav", "children"),
        Output("freshness", "children"),
        Input("url", "pathname"),
        Input("url", "search"),
        Input("browser-tz", "data"),
    )
    def route(pathname: str | None, search: str | None, zone: str | None) -> tuple[Any, Any, Any]:
        where = resolve(pathname)
        ctx = context(where, pathname, search, zone, timezone)
        page, fresh = render(where, ctx)
        return page, components.nav(pathname, ctx.view.get("tz")), fresh

    @app.callback(
        Output("page-content", "children"),
        Output({"type": refresh.PART, "index": ALL}, "children"),
        Output({"type": refresh.CHART, "name": ALL}, "figure"),
        Output(refresh.DIGESTS, "data"),
        Output("freshness", "children", allow_duplicate=True),
        Input("tick", "n_intervals"),
        State("url", "pathname"),
        State("url", "search"),
        State("browser-tz", "data"),
        State(refresh.DIGESTS, "data"),
        State({"type": refresh.PART, "index": ALL}, "id"),
        State({"type": refresh.CHART, "name": ALL}, "id"),
        prevent_initial_call=True,
    )
    def tick(
        _n: int | None,
        pathname: str | None,
        search: str | None,
        zone: str | None,
        digests: Any,
        part_ids: list[dict[str, Any]],
        chart_ids: list[dict[str, Any]],
    ) -> tuple[Any, Any, Any, Any, Any]:
        # Only what changed is set (dashboards.refresh): a chart or table whose figures are the
        # same is not mounted and drawn again at every refresh. The badge is set at every tick
        # ("3 min ago" moves on even when the figures do not).
        where = resolve(pathname)
        part, fresh = shown(where, context(where, pathname, search, zone, timezone))
        if part is dash.no_update:  # not a page with a data part: only its badge
            return (*refresh.unchanged(part_ids or [], chart_ids or []), fresh)
        return (*refresh.changes(part, digests, part_ids or [], chart_ids or []), fresh)

    most_popular.register(app)
    trending.register(app)
    article.register(app, data)
    api.register(app.server, data, max_age_s=max(1, int(min(refresh_s, 60))))
    embed.register(app.server, data, max_age_s=max(1, int(min(refresh_s, 60))))
    downloads.register(
        app.server, data, lambda path, search: context(resolve(path), path, search, None, timezone)
    )

    @app.server.after_request  # type: ignore[untyped-decorator]  # Flask's decorator is untyped here
    def not_found_status(response: Response) -> Response:
        # Dash answers every path with its page shell; unknown paths and unknown articles should
        # still say 404 to crawlers and link checkers (the page itself says "not found").
        rule = request.url_rule.rule if request.url_rule else None
        if request.method == "GET" and rule in _INDEX_RULES and response.status_code == 200:
            where = resolve(request.path)
            if where.page == "not_found" or (
                where.page == "article" and data.article(where.args["article_id"]).is_empty()
            ):
                response.status_code = 404
        return response

    return app
