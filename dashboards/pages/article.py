"""One story (`/article/<article_id>`): what we know about it, one chart of its interactions per
platform over its whole life (cumulative or per hour; one metric on demand), its latest count per
platform and metric, and the posts that spread it, each linked with its own counts and when we
first saw it. The metric and the chart kind live in the URL.

The cumulative interactions chart adds each platform's forecast with its 80% band (the
`forecasts` view) and the site's usual count at each age of the story (the `article_expected`
query over the expected_curves macro: the trimmed mean of comparable articles) up to the chart's
end; without them the chart is the story's own lines."""

from __future__ import annotations

import re
from typing import Any

import polars as pl
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboards import components, figures, refresh
from dashboards import format as fmt
from dashboards.components import Column
from dashboards.data import Data
from dashboards.pages import trending
from dashboards.view import ARTICLE_VIEWS, Ctx, changed_search

ARTICLE_PATH = re.compile(r"^/article/(\d{1,18})/?$")


def _latest_table(latest: pl.DataFrame) -> html.Table:
    """Platforms as rows, metrics as columns: each platform's latest value (blank = not reported)."""
    present = set(latest["metric"])
    metrics = figures.in_catalog_order(present)
    values = {(p, m): v for p, m, v in latest.select("platform", "metric", "value").iter_rows()}
    rows = [
        html.Tr(
            [html.Td(components.platform_chip(p), **components.data_attr("label", "Platform"))]
            + [
                html.Td(
                    fmt.count(values[(p, m)]) if (p, m) in values else None,
                    className="num",
                    **components.data_attr("label", m),
                )
                for m in metrics
            ]
        )
        for p in sorted(set(latest["platform"]))
    ]
    head = html.Thead(html.Tr([html.Th("Platform")] + [html.Th(m, className="num") for m in metrics]))
    return html.Table([head, html.Tbody(rows)], className="latest")


def post_columns(ctx: Ctx, now: Any) -> list[Column]:
    def post(row: dict[str, Any]) -> Any:
        text = row["title"] or row["item_key"]
        return [
            html.A(figures.short(text, 80), href=row["url"], target="_blank", rel="noopener")
            if row["url"]
            else text,
            html.Div(
                [
                    row["author"] or "",
                    html.Span(f" ({row['gone_reason']})", className="muted") if row["gone_reason"] else None,
                ],
                className="story-meta",
            ),
        ]

    return [
        Column("platform", "Platform", lambda r: components.platform_chip(r["platform"]), "platform"),
        Column("post", "Post", post, "title", csv="url"),
        Column(
            "interactions",
            "Interactions",
            lambda r: fmt.count(r["interactions"]),
            "interactions",
            numeric=True,
        ),
        Column("views", "Views", lambda r: fmt.count(r["views"]), "views", numeric=True),
        Column("posted", "Posted", lambda r: fmt.when(r["created_at"], ctx.tz), "created_at"),
        Column("seen", "First seen", lambda r: fmt.when(r["first_seen_at"], ctx.tz), "first_seen_at"),
    ]


def chart_forecasts(forecasts: pl.DataFrame) -> pl.DataFrame:
    """Per platform, the forecast the chart draws: at twice the story's age when there is one (it
    keeps the chart's time axis in proportion), else at the horizon."""
    if forecasts.is_empty():
        return forecasts
    return (
        forecasts.with_columns((pl.col("target") == "double").alias("_double"))
        .sort("platform", "_double", descending=[False, True])
        .unique("platform", keep="first", maintain_order=True)
        .drop("_double")
    )


def forecast_text(forecasts: pl.DataFrame) -> str:
    """'2,900 (1,500–9,800) at 7 d': the platforms' horizon forecasts summed, or a dash."""
    horizon = forecasts.filter(pl.col("target") == "horizon")
    if horizon.is_empty():
        return "–"
    total = horizon.select(
        pl.col("predicted").sum(), pl.col("lower").sum(), pl.col("upper").sum(), pl.col("target_age_h").max()
    ).row(0)
    return f"{fmt.count(total[0])} ({fmt.count(total[1])}–{fmt.count(total[2])}) at {fmt.hours(total[3])}"


def trending_row(data: Data, article_id: int) -> dict[str, Any] | None:
    """The story's row in the trending top: the Trending page's own result, so one trending()
    computation per refresh serves that page and every article page; None when not in it."""
    top = data.trending("", trending.TOP).rows
    mine = top.filter(pl.col("article_id") == article_id)
    return None if mine.is_empty() else mine.row(0, named=True)


def trending_text(trend: dict[str, Any] | None) -> str:
    """'#3 · score 1.20 · 45/h · ×2.1 the site's usual' (the ratio when trending() carries it)."""
    if trend is None:
        return f"not in the top {trending.TOP}"
    text = f"#{trend['rank']} · score {fmt.score(trend['score'])} · {fmt.rate(trend['velocity_short'])}"
    if trend.get("overperformance") is not None:
        text += f" · {fmt.factor(trend['overperformance'])} the site's usual"
    return text


def not_found(article_id: int) -> html.Div:
    return html.Div(
        [
            html.H1("Story not found"),
            html.P(f"No article has id {article_id}."),
            html.P(dcc.Link("Back to Most popular", href="/")),
        ]
    )


def content(data: Data, ctx: Ctx, article_id: int) -> Any:
    """Everything that refreshes: facts, the chart, the latest counts and the posts."""
    found = data.article(article_id)
    if found.is_empty():
        return not_found(article_id)
    article = found.row(0, named=True)
    now = data.now()
    metric, kind = ctx.view.get("metric"), ctx.view.get("view")
    if kind == "hourly":
        series = data.article_hourly(article_id, metric)
    else:
        series = data.article_timeline(article_id, metric)
    start = article["published_at"] or article["discovered_at"]
    forecasts = data.forecasts([article_id], target="")
    charted = metric == "interactions" and kind == "cumulative"
    drawn = chart_forecasts(forecasts) if charted else None
    # The curve runs to the chart's end: the latest forecast target, else now (None: the query's
    # own ranking time, so the cache key stays the same all refresh long).
    end = drawn["target_at"].max() if drawn is not None and not drawn.is_empty() else None
    expected = data.article_expected(article_id, until=end)  # type: ignore[arg-type]
    usual_now = expected.rows.filter(pl.col("ts") == expected.as_of)["expected"].drop_nulls()
    figure = figures.article_chart(
        series,
        kind,
        metric,
        start,
        now,
        ctx.tz,
        forecasts=drawn,
        expected=expected.rows if charted else None,
    )
    latest = data.article_latest(article_id)
    posts = data.article_posts(article_id)
    cols = post_columns(ctx, now)
    facts: list[tuple[str, Any]] = [
        ("Total interactions", fmt.count(article["total_interactions"])),
        ("Views", fmt.count(article["total_views"]) if article["total_views"] else "–"),
        ("Posts tracked", fmt.count(article["items"])),
        ("Published", f"{fmt.when(article['published_at'], ctx.tz)}"),
        ("Age", fmt.ago(article["published_at"], now) if article["published_at"] else "–"),
        ("Last sampled", fmt.when(article["last_sample_at"], ctx.tz)),
        ("Forecast (80% interval)", forecast_text(forecasts)),
    ]
    if not usual_now.is_empty():
        facts.append(("The site's usual at this age", fmt.count(usual_now[0])))
    return [
        html.Dl([html.Div([html.Dt(label), html.Dd(value)]) for label, value in facts], className="facts"),
        dcc.Graph(id="article-graph", figure=figure, config={"displayModeBar": False, "responsive": True}),
        html.H2("Latest counts per platform"),
        _latest_table(latest)
        if not latest.is_empty()
        else html.P(
            "No samples of this story yet; the collectors sample it once posts sharing it are found.",
            className="empty",
        ),
        html.H2(f"Posts that spread it ({len(posts)})"),
        components.table(components.sort_frame(posts, cols, ctx.view), cols, ctx.view, ctx.pathname, "posts")
        if not posts.is_empty()
        else html.P("No post sharing this story has been found yet.", className="empty"),
        html.Div(
            components.download_link(f"/download/article/{article_id}.csv" + ctx.view.search()),
            className="table-foot",
        ),
    ]


def csv(data: Data, ctx: Ctx, article_id: int) -> pl.DataFrame:
    posts = data.article_posts(article_id)
    cols = post_columns(ctx, data.now())
    shown = components.sort_frame(posts, cols, ctx.view)
    return shown.select(
        "platform",
        "item_key",
        "url",
        "title",
        "author",
        "interactions",
        "views",
        "created_at",
        "first_seen_at",
    )


def layout(data: Data, ctx: Ctx, article_id: int, shown: Any) -> html.Section:
    """The page around `shown`, its `content` (computed as a warmed view by the app)."""
    found = data.article(article_id)
    if found.is_empty():
        return html.Section(not_found(article_id), className="page page-article")
    article = found.row(0, named=True)
    present = set(data.article_latest(article_id)["metric"])
    metrics = figures.in_catalog_order(present)
    v = ctx.view
    return html.Section(
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
            # The story's place in trending(), filled by its own callback once the page is drawn
            # and at each refresh, outside the refreshed part (no flicker): it is the Trending
            # page's whole ranking (seconds on a large store for a refresh's first reader), which
            # the chart and the tables do not wait for.
            html.P(["Trending: ", html.Span("…", id="article-trending")], className="trending-fact"),
            html.Div(
                [
                    components.control(
                        "Show",
                        components.pills(
                            "ar-metric",
                            [("interactions", "Interactions")] + [(m, m) for m in metrics],
                            v.get("metric"),
                        ),
                    ),
                    components.control(
                        "Chart",
                        components.pills(
                            "ar-view", [(k, k.capitalize()) for k in ARTICLE_VIEWS], v.get("view")
                        ),
                    ),
                ],
                className="controls",
            ),
            components.rendered_view("ar-rendered", ctx.view),
            *refresh.area(shown),
        ],
        className="page page-article",
    )


def register(app: Dash, data: Data) -> None:
    @app.callback(
        Output("article-trending", "children"),
        Input("article-trending", "id"),
        Input("tick", "n_intervals"),
        State("url", "pathname"),
    )
    def trending_fact(_id: str, _tick: int | None, pathname: str | None) -> str:
        match = ARTICLE_PATH.match(pathname or "")
        if not match:
            return "–"
        article_id = int(match.group(1))
        row, _ = data.view(("article-trending", article_id), lambda d: trending_row(d, article_id))
        return trending_text(row)

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("ar-metric", "value"),
        Input("ar-view", "value"),
        State("ar-rendered", "data"),
        prevent_initial_call=True,
    )
    def choose(metric: str, kind: str, rendered: str) -> Any:
        after = changed_search("article", rendered, metric=metric, view=kind)
        return no_update if after is None else after
