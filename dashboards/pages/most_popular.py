"""Most Popular (`/`): stories ranked by interactions gained in a window (1h to 30d), narrowed by
platform, site, section and author, each with its rank change, publication time and age, the
per-platform split and, on expansion, what its score is made of. Every choice lives in the URL.

Each row has a sparkline of its window (one `ranking_sparklines` query for all rows) and the
score's inputs in the gained cell's tooltip and in its "Why it ranks" panel. Score columns the
`ranking` query passes through from most_popular() (expected_interactions, overperformance,
forecast_...) appear there as soon as they exist (`SCORE_FIELDS`); absent, they are left out.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboards import components, figures, refresh, sparkline
from dashboards import format as fmt
from dashboards.components import Column
from dashboards.data import SPARK_STEP, WINDOWS, Data, Filters
from dashboards.view import Ctx, changed_search

LIMIT = 20
# Rank change compares with the ranking this long ago (shorter windows move faster).
RANK_SHIFT_S = {"1h": 15 * 60, "6h": 3600, "24h": 3600, "7d": 6 * 3600, "30d": 86400}
# Optional score columns: shown in "Why it ranks" when the ranking query returns them.
SCORE_FIELDS = (
    ("overperformance", "Versus the site's usual at this age"),
    ("expected_interactions", "The site's usual at this age"),
    ("expected_basis", "Usual based on"),
    ("forecast_interactions", "Forecast"),
    ("forecast_low", "Forecast, low (80%)"),
    ("forecast_high", "Forecast, high (80%)"),
)


def filters(ctx: Ctx) -> Filters:
    v = ctx.view
    return Filters(v.get("platform"), v.get("site"), v.get("section"), v.get("author"))


def frame(data: Data, ctx: Ctx) -> tuple[pl.DataFrame, pl.DataFrame, Any]:
    """The ranking with rank change, per-platform split and sparkline values, the inputs per
    metric, and as_of. Four named queries whatever the number of rows (ranking now, ranking
    earlier, inputs and sparklines of the shown articles), each computed once per refresh."""
    window = ctx.view.get("window")
    chosen = filters(ctx)
    ranking = data.ranking(window, chosen, LIMIT)
    before = data.ranking(window, chosen, 100, shift_s=RANK_SHIFT_S[window]).rows
    ids = ranking.rows["article_id"].to_list()
    inputs = data.ranking_inputs(window, chosen.platform, ids).rows
    spark = (
        data.sparklines(window, chosen.platform, ids)
        .rows.sort("article_id", "step")
        .group_by("article_id", maintain_order=True)
        .agg(pl.col("gained").alias("spark"))
    )
    split = (
        inputs.filter(pl.col("is_interaction"))
        .group_by("article_id", "platform")
        .agg(pl.col("gained").sum())
        .sort("gained", descending=True)
        .group_by("article_id", maintain_order=True)
        .agg(pl.struct("platform", "gained").alias("split"))
    )
    rows = (
        components.with_rank_change(ranking.rows, before)
        .join(split, on="article_id", how="left")
        .join(spark, on="article_id", how="left")
        .with_columns(
            pl.col("split")
            .list.eval(
                pl.element().struct.field("platform")
                + ":"
                + pl.element().struct.field("gained").cast(pl.String)
            )
            .list.join(" ")
            .alias("split_text"),
        )
        .sort("rank")
    )
    return rows, inputs, ranking.as_of


def _spark_cell(row: dict[str, Any], window: str) -> Any:
    values = row.get("spark") or []
    if not values:
        return "–"
    label = (
        f"interactions gained per {SPARK_STEP[window]} over the last {window}: "
        f"peak {fmt.count(max(values))}, last {fmt.count(values[-1])}"
    )
    return sparkline.image(values, label)


def _inputs_title(row: dict[str, Any], mine: pl.DataFrame) -> str:
    """The score's inputs in one line of text, for the gained cell's tooltip (`mine`: this
    article's rows of the inputs)."""
    parts = [
        f"{p} {m} +{fmt.count(g)}"
        for p, m, g, interaction in mine.select("platform", "metric", "gained", "is_interaction").iter_rows()
        if interaction
    ]
    extra = [
        f"{label} {_score_text(key, row[key])}" for key, label in SCORE_FIELDS if row.get(key) is not None
    ]
    return "; ".join(parts + extra)


def _score_text(key: str, value: Any) -> str:
    if key == "overperformance":
        return fmt.factor(value)
    if isinstance(value, int | float):
        return fmt.count(value)
    return str(value)


def _split_cell(row: dict[str, Any]) -> Any:
    return [
        components.platform_chip(s["platform"], f"{s['platform']} {fmt.count(s['gained'])}")
        for s in row["split"] or []
    ]


def _why(row: dict[str, Any], mine: pl.DataFrame, ctx: Ctx) -> html.Details:
    """What the score is made of: gained per platform and metric, views, totals, optional scores
    (`mine`: this article's rows of the inputs)."""
    per_platform = [
        (
            str(platform),
            ", ".join(f"{m} +{fmt.count(g)}" for m, g in part.select("metric", "gained").iter_rows()),
        )
        for (platform,), part in mine.sort("platform").group_by("platform", maintain_order=True)
    ]
    extra = [
        ("Interactions gained", fmt.count(row["interactions"])),
        ("Views gained", fmt.count(row["views"])),
        ("Total interactions", fmt.count(row["total_interactions"])),
        ("Rank before filters", f"#{row['overall_rank']}"),
        ("Last sample", fmt.when(row["last_sample_at"], ctx.tz)),
    ] + [(label, _score_text(key, row[key])) for key, label in SCORE_FIELDS if row.get(key) is not None]
    return components.why("Why it ranks", per_platform + extra)


def _by_article(inputs: pl.DataFrame) -> dict[int, pl.DataFrame]:
    """The inputs split by article once (not filtered again for every row and cell)."""
    return {int(k[0]): part for k, part in inputs.partition_by("article_id", as_dict=True).items()}


def columns(inputs: pl.DataFrame, ctx: Ctx, now: Any) -> list[Column]:
    window = ctx.view.get("window")
    by_article = _by_article(inputs)
    none = inputs.clear()

    def mine(row: dict[str, Any]) -> pl.DataFrame:
        return by_article.get(int(row["article_id"]), none)

    return [
        Column("rank", "#", lambda r: components.rank_cell(r, RANK_SHIFT_S[window]), "rank", numeric=True),
        Column(
            "title",
            "Story",
            lambda r: [*components.story_cell(r, ctx.tz, now), _why(r, mine(r), ctx)],
            "title",
            csv="title",
        ),
        Column(
            "gained",
            f"Gained, {window}",
            lambda r: html.Strong(fmt.count(r["interactions"]), title=_inputs_title(r, mine(r))),
            "interactions",
            numeric=True,
        ),
        Column("trend", "Trend", lambda r: _spark_cell(r, window)),
        Column("platforms", "Where", _split_cell, "split_text"),
        Column(
            "total", "Total", lambda r: fmt.count(r["total_interactions"]), "total_interactions", numeric=True
        ),
        Column("views", "Views gained", lambda r: fmt.count(r["views"]), "views", numeric=True),
        Column(
            "age", "Published", lambda r: fmt.ago(r["published_at"], now), "published_at", csv="published_at"
        ),
    ]


def csv(data: Data, ctx: Ctx) -> pl.DataFrame:
    rows, inputs, now = frame(data, ctx)
    cols = columns(inputs, ctx, now)
    out = components.sort_frame(rows, cols, ctx.view)
    return out.select(
        "rank",
        "rank_change",
        "title",
        "url",
        "site",
        "section",
        "author",
        "published_at",
        "interactions",
        "split_text",
        "total_interactions",
        "views",
    )


def content(data: Data, ctx: Ctx) -> Any:
    rows, inputs, now = frame(data, ctx)
    window = ctx.view.get("window")
    if rows.is_empty():
        where = f" on {ctx.view.get('platform')}" if ctx.view.get("platform") else ""
        return html.P(f"No story gained interactions{where} in the last {window}.", className="empty")
    cols = columns(inputs, ctx, now)
    shown = components.sort_frame(rows, cols, ctx.view)
    bars = (
        inputs.filter(pl.col("is_interaction"))
        .group_by("article_id", "platform")
        .agg(pl.col("gained").sum().alias("interactions"))
        .join(rows.select("article_id", "rank", "title"), on="article_id")
    )
    return [
        *components.ranking_table(shown, cols, ctx, "/download/most-popular.csv", now),
        html.H2("Where the interactions came from"),
        dcc.Graph(
            id="mp-chart",
            figure=figures.popularity_bars(bars),
            config={"displayModeBar": False, "responsive": True},
        ),
    ]


def layout(data: Data, ctx: Ctx, shown: Any) -> html.Section:
    """The page around `shown`, its `content` (computed as a warmed view by the app)."""
    v = ctx.view
    facets = data.facets()

    def values(name: str) -> list[str]:
        return [str(x) for x in facets.filter(pl.col("facet") == name)["value"]]

    # Every drop-down is always in the layout (the URL callback needs them all); one with no
    # choices is hidden.
    selects = [
        html.Div(
            components.control(
                label, components.choice(f"mp-{name}", f"All {label.lower()}s", values(name), v.get(name))
            ),
            hidden=not (values(name) or v.get(name)),
        )
        for name, label in (("site", "Site"), ("section", "Section"), ("author", "Author"))
    ]
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
                    components.control(
                        "Window", components.pills("mp-window", [(w, w) for w in WINDOWS], v.get("window"))
                    ),
                    components.control(
                        "Platform",
                        components.pills(
                            "mp-platform",
                            [("", "All")] + [(p, p) for p in data.platforms()],
                            v.get("platform"),
                        ),
                    ),
                    *selects,
                ],
                className="controls",
            ),
            components.rendered_view("mp-rendered", ctx.view),
            *refresh.area(shown),
        ],
        className="page page-most-popular",
    )


def register(app: Dash) -> None:
    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("mp-window", "value"),
        Input("mp-platform", "value"),
        Input("mp-site", "value"),
        Input("mp-section", "value"),
        Input("mp-author", "value"),
        State("mp-rendered", "data"),
        prevent_initial_call=True,
    )
    def choose(window: str, platform: str, site: str, section: str, author: str, rendered: str) -> Any:
        after = changed_search(
            "most_popular",
            rendered,
            window=window,
            platform=platform,
            site=site,
            section=section,
            author=author,
        )
        return no_update if after is None else after
