"""Trending (`/trending`): what is rising now by the trending score, each story with what the
score is made of (short, middle and long velocity, acceleration, age and its decay, the front-page
rank factor, and how it does against the site's usual when that is known), its forecast with the 80%
interval, when it started rising and its rank change; and a chart of how the top stories gained
over the last hour in 5-minute steps (sample-to-sample increases, so a post found during the
hour adds what it gained after it was first seen, or all of it if it was born in the hour).
The chart's scale is a choice in the URL: each story as a share of its own hour (the default,
readable when one story dwarfs the rest), a logarithmic axis, or a linear one.

The page costs a fixed set of named queries per refresh whatever its rows: the ranking now and
15 minutes earlier, the forecasts and the rising times of the shown stories, and the chart's
5-minute steps of the top five (`ranking_sparklines`, filtered to them in SQL). Columns
trending() adds later (expected_interactions, overperformance, forecast_...) are shown when
present and left out when not.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboards import components, figures, refresh
from dashboards import format as fmt
from dashboards.components import Column
from dashboards.data import Data
from dashboards.view import Ctx, changed_search

LIMIT = 10
# The ranking is read this deep (the same cost as 10: trending() scores every story) so the
# article pages find their story in the same result, one computation per refresh for all.
TOP = 100
LINES = 5  # more lines than this make the chart unreadable
SCALE_LABELS = (("share", "% of each story"), ("log", "Log"), ("linear", "Linear"))
RANK_SHIFT_S = 15 * 60  # rank change compares with the ranking this long ago
# What trending() may add (trendscore); used when present.
FORECAST_COLUMNS = ("forecast_interactions", "forecast_low", "forecast_high")


def frame(data: Data, ctx: Ctx) -> tuple[pl.DataFrame, Any]:
    """The trending rows with rank change, forecast (predicted, low, high, target age) and
    rising times, and the ranking time."""
    platform = ctx.view.get("platform")
    result = data.trending(platform, TOP)
    rows = result.rows.filter(pl.col("rank") <= LIMIT)
    if rows.is_empty():
        return rows, result.as_of
    before = data.trending(platform, 100, shift_s=RANK_SHIFT_S).rows
    ids = rows["article_id"].to_list()
    rows = components.with_rank_change(rows, before)
    if not set(FORECAST_COLUMNS) <= set(rows.columns):
        rows = rows.join(forecast_totals(data.forecasts(ids)), on="article_id", how="left")
    rising = data.rising(ids, platform).rows
    rows = rows.join(rising, on="article_id", how="left").sort("rank")
    return rows, result.as_of


def forecast_totals(forecasts: pl.DataFrame) -> pl.DataFrame:
    """Per article, the platforms' forecasts summed: predicted, and the interval's bounds summed
    (each platform's 80% bounds added, so the band is at least as wide as the true one)."""
    return forecasts.group_by("article_id").agg(
        pl.col("predicted").sum().alias("forecast_interactions"),
        pl.col("lower").sum().alias("forecast_low"),
        pl.col("upper").sum().alias("forecast_high"),
        pl.col("target_age_h").max().alias("forecast_age_h"),
        pl.col("is_prior").any().alias("forecast_is_prior"),
    )


def _forecast_text(row: dict[str, Any]) -> str:
    if row.get("forecast_interactions") is None:
        return "–"
    text = (
        f"{fmt.count(row['forecast_interactions'])} "
        f"({fmt.count(row['forecast_low'])}–{fmt.count(row['forecast_high'])})"
    )
    return text + (f" at {fmt.hours(row['forecast_age_h'])}" if row.get("forecast_age_h") else "")


def _forecast_cell(row: dict[str, Any]) -> Any:
    if row.get("forecast_interactions") is None:
        return html.Span("–", title="no forecast yet (tracker forecast makes them)")
    note = " (prior: little history yet)" if row.get("forecast_is_prior") else ""
    return html.Span(
        _forecast_text(row),
        className="forecast",
        title=f"interactions forecast, with its 80% interval{note}",
    )


def _versus_usual(row: dict[str, Any]) -> str | None:
    """'×3.2 the site's usual' or '×0.4 of the site's usual (under)', when trending() says."""
    ratio = row.get("overperformance")
    if ratio is None:
        return None
    if ratio >= 1:
        return f"{fmt.factor(ratio)} the site's usual"
    return f"{fmt.factor(ratio)} of the site's usual (under)"


def _rising_text(row: dict[str, Any], ctx: Ctx, now: Any) -> str:
    since = row.get("rising_since")
    if since is None:
        return "not rising today"
    if row.get("rising_now"):
        return f"since {fmt.when(since, ctx.tz)} ({fmt.ago(since, now)})"
    until = row["rising_until"].astimezone(ctx.tz)
    return f"rose {fmt.when(since, ctx.tz)} – {until:%H:%M}"


def _score_cell(row: dict[str, Any]) -> Any:
    versus = _versus_usual(row)
    return [
        html.Strong(fmt.score(row["score"])),
        html.Div(versus, className=f"versus {'over' if row['overperformance'] >= 1 else 'under'}")
        if versus
        else None,
    ]


def _rank_text(rank: float | None) -> str:
    """A front-page rank as shown, or that the story was not on the page then."""
    return f"#{rank:.0f}" if rank is not None else "not on the front page"


def _inputs(row: dict[str, Any], ctx: Ctx, now: Any) -> html.Details:
    """Every input of the score, with the factor each contributes."""
    rank = row["platform_rank"]
    facts = [
        ("Score", fmt.score(row["score"])),
        ("Velocity, short span", fmt.rate(row["velocity_short"])),
        ("Velocity, middle span", fmt.rate(row["velocity_mid"])),
        ("Velocity, long span", fmt.rate(row["velocity_long"])),
        ("Acceleration", fmt.signed_rate(row["acceleration"])),
        ("Size (total interactions)", fmt.count(row["total_interactions"])),
        ("Age", fmt.hours(row["age_hours"])),
        ("Age decay", fmt.factor(row["decay"])),
        ("Front-page rank", f"#{rank:.0f}" if rank is not None else "not ranked"),
        ("Front-page rank 2 h earlier", _rank_text(row.get("rank_before_2h")) if rank is not None else "–"),
        ("Rank factor", fmt.factor(row["rank_factor"])),
        ("Rising", _rising_text(row, ctx, now)),
        ("Forecast (80% interval)", _forecast_text(row)),
    ]
    if row.get("overperformance") is not None:
        facts.append(("Versus the site's usual", _versus_usual(row) or "–"))
    if row.get("expected_interactions") is not None:
        facts.append(("The site's usual at this age", fmt.count(row["expected_interactions"])))
    if row.get("expected_basis"):
        facts.append(("Usual based on", str(row["expected_basis"])))
    return components.why("Why it trends", facts)


def columns(ctx: Ctx, now: Any, rows: pl.DataFrame) -> list[Column]:
    over = "overperformance" in rows.columns
    return [
        Column("rank", "#", lambda r: components.rank_cell(r, RANK_SHIFT_S), "rank", numeric=True),
        Column(
            "title",
            "Story",
            lambda r: [*components.story_cell(r, ctx.tz, now), _inputs(r, ctx, now)],
            "title",
        ),
        Column(
            "score", "Score", _score_cell if over else lambda r: fmt.score(r["score"]), "score", numeric=True
        ),
        Column(
            "velocity",
            "Velocity",
            lambda r: [
                html.Strong(fmt.rate(r["velocity_short"])),
                html.Div(f"{fmt.signed_rate(r['acceleration'])} vs long", className="muted"),
            ],
            "velocity_short",
            numeric=True,
        ),
        Column("forecast", "Forecast", _forecast_cell, "forecast_interactions", numeric=True),
        Column("rising", "Rising", lambda r: _rising_text(r, ctx, now), "rising_since"),
        Column(
            "total", "Total", lambda r: fmt.count(r["total_interactions"]), "total_interactions", numeric=True
        ),
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
    cols = columns(ctx, now, rows)
    shown = components.sort_frame(rows, cols, ctx.view)
    extra = [
        c for c in ("velocity_long", "acceleration", "forecast_low", "forecast_high") if c in shown.columns
    ]
    return components.csv_frame(shown, cols).insert_column(2, shown["url"]).with_columns(shown.select(extra))


def chart_series(data: Data, rows: pl.DataFrame, platform: str) -> pl.DataFrame:
    """The chart's lines: for the top LINES stories, what each gained since the hour began, at
    the hour's start and every 5 minutes (the sparklines query over the last hour, cumulated:
    one query filtered to those stories, not a `gained` scan of every article per step)."""
    top = rows.sort("rank").head(LINES).select("article_id", "rank", "title")
    if top.is_empty():
        return pl.DataFrame(
            schema={"rank": pl.Int64, "title": pl.String, "ts": pl.Datetime("us", "UTC"), "gained": pl.Int64}
        )
    steps = data.sparklines("1h", platform, top["article_id"].to_list()).rows
    start = steps.filter(pl.col("step") == 0).with_columns(
        pl.col("ts") - timedelta(minutes=5),
        pl.lit(0, dtype=steps.schema["gained"]).alias("gained"),
        pl.lit(-1, dtype=steps.schema["step"]).alias("step"),
    )
    return (
        pl.concat([start, steps])
        .join(top, on="article_id")
        .sort("rank", "step")
        .with_columns(pl.col("gained").cum_sum().over("article_id"))
        .select("rank", "title", "ts", "gained")
    )


def content(data: Data, ctx: Ctx) -> Any:
    rows, now = frame(data, ctx)
    series = chart_series(data, rows, ctx.view.get("platform"))
    chart = dcc.Graph(
        id="tr-chart",
        figure=figures.trending_lines(series, ctx.view.get("scale"), ctx.tz),
        config={"displayModeBar": False, "responsive": True},
    )
    if rows.is_empty():
        where = f" on {ctx.view.get('platform')}" if ctx.view.get("platform") else ""
        return [chart, html.P(f"Nothing gained interactions{where} in the last hour.", className="empty")]
    cols = columns(ctx, now, rows)
    return [
        chart,
        *components.ranking_table(
            components.sort_frame(rows, cols, ctx.view), cols, ctx, "/download/trending.csv", now
        ),
    ]


def layout(data: Data, ctx: Ctx, shown: Any) -> html.Section:
    """The page around `shown`, its `content` (computed as a warmed view by the app)."""
    v = ctx.view
    return html.Section(
        [
            html.H1("Trending now"),
            html.P(
                "Stories rising now, by the trending score: how fast they gain interactions "
                "(short span against long span), discounted by age, lifted by a front-page rank. "
                "Open “Why it trends” on a story for every input.",
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
            components.rendered_view("tr-rendered", ctx.view),
            *refresh.area(shown),
        ],
        className="page page-trending",
    )


def register(app: Dash) -> None:
    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input("tr-platform", "value"),
        Input("tr-scale", "value"),
        State("tr-rendered", "data"),
        prevent_initial_call=True,
    )
    def choose(platform: str, scale: str, rendered: str) -> Any:
        after = changed_search("trending", rendered, platform=platform, scale=scale)
        return no_update if after is None else after
