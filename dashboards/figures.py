"""Pure functions from query frames to Plotly figures: no store, no Dash, no clock, so each can
be tested on a hand-made frame. Every platform keeps one colour on every chart."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from tracker import metrics as metric_catalog

PLATFORM_COLORS = {
    "hackernews": "#f2a900",  # amber, so it stays apart from reddit's orange-red
    "reddit": "#ff4500",
    "bluesky": "#4aa8ff",  # sky blue, apart from facebook's navy
    "mastodon": "#6364ff",
    "youtube": "#cc0000",
    "facebook": "#0b3d91",
    "x": "#111111",
}
_FALLBACK = ("#4c78a8", "#72b7b2", "#54a24b", "#b279a2", "#9d755d", "#bab0ac")
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
TITLE_CHARS = 48


def in_catalog_order(present: set[str]) -> list[str]:
    """Metric names in the order editors read them (the metric catalog's counts), then any others."""
    order = metric_catalog.counts()
    return [m for m in order if m in present] + sorted(present - set(order))


def platform_color(platform: str) -> str:
    """A fixed colour per known platform; unknown ones get a stable fallback."""
    if platform in PLATFORM_COLORS:
        return PLATFORM_COLORS[platform]
    return _FALLBACK[sum(map(ord, platform)) % len(_FALLBACK)]


def short(title: str | None, limit: int = TITLE_CHARS) -> str:
    """A title cut to fit a chart axis, with an ellipsis when cut."""
    text = title or "(untitled)"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _style(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": _FONT, "size": 13, "color": "#222"},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": -0.12, "x": 0},
        hoverlabel={"font_family": _FONT},
    )
    fig.update_xaxes(gridcolor="#eee", zeroline=False)
    fig.update_yaxes(gridcolor="#eee", zeroline=False)
    return fig


def empty(message: str, height: int = 240) -> go.Figure:
    """A blank chart saying why it is blank."""
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        showarrow=False,
        font={"size": 15, "color": "#777"},
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _style(fig, height)


def popularity_bars(breakdown: pl.DataFrame) -> go.Figure:
    """Stacked horizontal bars: interactions each platform gave each ranked story, #1 on top.

    `breakdown` has the platform_breakdown query's columns: rank, title, platform, interactions.
    """
    if breakdown.is_empty():
        return empty("No interactions in this window yet")
    stories = breakdown.select("rank", "title").unique("rank").sort("rank")
    labels = {r: f"{r}. {short(t)}" for r, t in stories.iter_rows()}
    order = [labels[r] for r in stories["rank"]]
    fig = go.Figure()
    for platform in sorted(breakdown["platform"].unique()):
        part = breakdown.filter(pl.col("platform") == platform).sort("rank")
        fig.add_bar(
            name=platform,
            orientation="h",
            y=[labels[r] for r in part["rank"]],
            x=part["interactions"].to_list(),
            marker_color=platform_color(platform),
            hovertemplate="%{y}<br>" + platform + ": %{x:,} interactions<extra></extra>",
        )
    fig.update_layout(barmode="stack", title={"text": "Interactions gained, by platform", "x": 0})
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed")
    fig = _style(fig, 150 + 40 * len(order))
    # Legend above the bars, in platform order: below, it collides with the axis on short charts.
    fig.update_layout(
        legend={
            "orientation": "h",
            "y": 1.0,
            "yanchor": "bottom",
            "x": 1,
            "xanchor": "right",
            "traceorder": "normal",
        },
        margin={"t": 60},
    )
    return fig


def trending_lines(series: pl.DataFrame) -> go.Figure:
    """One line per trending story: interactions gained since the hour began, every 5 minutes.

    `series` has the trending_series query's columns: rank, title, ts, gained.
    """
    if series.is_empty():
        return empty("Nothing gained interactions in the last hour")
    fig = go.Figure()
    for (rank,), part in series.sort("rank", "ts").group_by("rank", maintain_order=True):
        title = part["title"][0]
        fig.add_scatter(
            name=f"{rank}. {short(title, 32)}",
            x=part["ts"].to_list(),
            y=part["gained"].to_list(),
            mode="lines",
            line={"width": 3 if rank == 1 else 2, "shape": "hv"},
            hovertemplate=short(title) + "<br>%{x|%H:%M} UTC: +%{y:,}<extra></extra>",
        )
    fig.update_layout(title={"text": "Interactions gained in the last hour", "x": 0})
    fig.update_xaxes(tickformat="%H:%M")
    return _style(fig, 320)


def article_metrics(series: pl.DataFrame) -> go.Figure:
    """One panel per metric, one line per platform: how one story's counts grew.

    `series` has the article_series query's columns: platform, metric, ts, value.
    """
    if series.is_empty():
        return empty("No samples of this story yet")
    present = set(series["metric"].unique())
    metrics = in_catalog_order(present)
    fig = make_subplots(
        rows=len(metrics), cols=1, shared_xaxes=True, vertical_spacing=0.06, subplot_titles=metrics
    )
    shown: set[str] = set()
    for row, metric in enumerate(metrics, start=1):
        for platform in sorted(series.filter(pl.col("metric") == metric)["platform"].unique()):
            part = series.filter((pl.col("metric") == metric) & (pl.col("platform") == platform)).sort("ts")
            fig.add_scatter(
                row=row,
                col=1,
                name=platform,
                legendgroup=platform,
                showlegend=platform not in shown,
                x=part["ts"].to_list(),
                y=part["value"].to_list(),
                mode="lines+markers",
                line={"color": platform_color(platform), "shape": "hv"},
                marker={"size": 5},
                hovertemplate=platform + " " + metric + "<br>%{x|%d %b %H:%M} UTC: %{y:,}<extra></extra>",
            )
            shown.add(platform)
    fig.update_annotations(font={"size": 13}, xanchor="left", x=0)
    return _style(fig, 60 + 200 * len(metrics))
