"""Pure functions from query frames to Plotly figures: no store, no Dash, no clock, so each can
be tested on a hand-made frame. Every platform keeps one colour on every chart
(`dashboards.colors.platform_color`), counts get whole-number ticks, and times are drawn in the
display time zone."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, tzinfo
from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboards.colors import platform_color
from tracker import metrics as metric_catalog

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
TITLE_CHARS = 48
BAR_TITLE_CHARS = 28  # bar labels share the width with the bars (a phone is 390 px wide)
GAP_FACTOR = 3.0  # a pause this many times the usual spacing between samples is drawn as a gap
MIN_GAP = timedelta(minutes=15)  # ...and only when it is also longer than this


def in_catalog_order(present: set[str]) -> list[str]:
    """Metric names in the order editors read them (the metric catalog's counts), then any others."""
    order = metric_catalog.counts()
    return [m for m in order if m in present] + sorted(present - set(order))


def short(title: str | None, limit: int = TITLE_CHARS) -> str:
    """A title cut to fit a chart axis, with an ellipsis when cut."""
    text = title or "(untitled)"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _style(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font={"family": _FONT, "size": 13, "color": "#222"},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": -0.15, "yanchor": "top", "x": 0},
        hoverlabel={"font_family": _FONT},
    )
    axis = {"gridcolor": "#eee", "zeroline": False, "automargin": True}
    fig.update_layout(xaxis=axis, yaxis=axis)
    return fig


def whole_number_axis(fig: go.Figure, top: float) -> None:
    """Counts are whole: ',d' labels, and a step of 1 when the axis is too short for more."""
    fig.update_layout(yaxis={"tickformat": ",d", "rangemode": "tozero"})
    if top < 5:
        fig.update_layout(yaxis={"dtick": 1, "range": [0, max(top, 1) * 1.1]})


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
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False})
    return _style(fig, height)


def _local(frame: pl.DataFrame, column: str, tz: tzinfo) -> list[Any]:
    """A timestamp column as naive wall-clock times in the display zone (what Plotly draws)."""
    return [t.astimezone(tz).replace(tzinfo=None) if t is not None else None for t in frame[column]]


def popularity_bars(breakdown: pl.DataFrame) -> go.Figure:
    """Stacked horizontal bars: interactions each platform gave each ranked story, #1 on top.

    `breakdown` has columns rank, title, platform, interactions.
    """
    if breakdown.is_empty():
        return empty("No interactions in this window yet")
    stories = breakdown.select("rank", "title").unique("rank").sort("rank")
    labels = {r: f"{r}. {short(t, BAR_TITLE_CHARS)}" for r, t in stories.iter_rows()}
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
    fig.update_layout(barmode="stack")
    fig.update_layout(
        yaxis={"categoryorder": "array", "categoryarray": order, "autorange": "reversed"},
        xaxis={"tickformat": ",d"},
    )
    fig = _style(fig, 120 + 34 * len(order))
    # No title inside the figure (the page's heading names it) so the legend never overlaps one.
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}, margin={"t": 30})
    return fig


def trending_lines(series: pl.DataFrame, scale: str, tz: tzinfo) -> go.Figure:
    """One line per trending story: interactions gained since the hour began, every 5 minutes.

    `series` has the trending_series query's columns: rank, title, ts, gained. `scale` is
    'share' (each story's line as a % of its own hour, so a small story's shape shows next to a
    big one), 'log' (a logarithmic axis) or 'linear'.
    """
    if series.is_empty():
        return empty("Nothing gained interactions in the last hour")
    fig = go.Figure()
    for (rank,), part in series.sort("rank", "ts").group_by("rank", maintain_order=True):
        title = part["title"][0]
        gained = part["gained"].to_list()
        final = max(gained[-1], 1)
        if scale == "share":
            y: list[float | None] = [100 * g / final for g in gained]
            hover = "%{x|%H:%M}: +%{customdata:,} (%{y:.0f}% of the hour)"
        else:
            y = [g if (g > 0 or scale != "log") else None for g in gained]
            hover = "%{x|%H:%M}: +%{customdata:,}"
        fig.add_scatter(
            name=f"{rank}. {short(title, BAR_TITLE_CHARS)}",
            x=_local(part, "ts", tz),
            y=y,
            customdata=gained,
            mode="lines",
            line={"width": 3 if rank == 1 else 2, "shape": "hv"},
            hovertemplate=short(title) + "<br>" + hover + "<extra></extra>",
        )
    fig.update_layout(xaxis={"tickformat": "%H:%M"})
    fig = _style(fig, 360)
    if scale == "share":
        fig.update_layout(
            yaxis={"ticksuffix": "%", "range": [0, 105], "title": {"text": "% of the story's gain this hour"}}
        )
    elif scale == "log":
        fig.update_layout(yaxis={"type": "log", "tickformat": ",d", "title": {"text": "gained (log scale)"}})
    else:
        whole_number_axis(fig, float(series["gained"].max() or 0))  # type: ignore[arg-type]
        fig.update_layout(yaxis={"title": {"text": "gained"}})
    fig.update_layout(legend={"orientation": "h", "y": -0.15, "yanchor": "top"}, margin={"b": 10})
    return fig


def with_gaps(ts: list[datetime], values: list[Any]) -> tuple[list[datetime | None], list[Any]]:
    """Insert a break (None) where the pause between two samples is much longer than usual, so a
    collection outage is drawn as a gap instead of a straight line across it."""
    if len(ts) < 3:
        return list(ts), list(values)
    steps = sorted((b - a).total_seconds() for a, b in itertools.pairwise(ts))
    usual = steps[len(steps) // 2]
    limit = max(usual * GAP_FACTOR, MIN_GAP.total_seconds())
    out_ts: list[datetime | None] = [ts[0]]
    out_values: list[Any] = [values[0]]
    for previous, at, value in zip(ts, ts[1:], values[1:], strict=False):
        if (at - previous).total_seconds() > limit:
            out_ts.append(previous + (at - previous) / 2)
            out_values.append(None)
        out_ts.append(at)
        out_values.append(value)
    return out_ts, out_values


def article_chart(
    series: pl.DataFrame,
    kind: str,
    label: str,
    start: datetime | None,
    end: datetime,
    tz: tzinfo,
    forecasts: pl.DataFrame | None = None,
    expected: pl.DataFrame | None = None,
) -> go.Figure:
    """One story on one chart, a line (or bars) per platform.

    kind 'cumulative': `series` has platform, ts, value (the article_timeline query); the line
    steps at each sample and breaks across collection gaps. kind 'hourly': `series` has platform,
    hour, gained (article_hourly), drawn as stacked bars. The x axis runs from `start` (the
    story's publication, or its first sample) to `end` (now), so the story's whole life shows.

    On the cumulative chart, `forecasts` (the article_forecasts query's rows, one per platform)
    add each platform's forecast: a dashed line from its count when forecast to the predicted
    count at the target time, in a band widening to the 80% interval there; the x axis then runs
    to the latest target. `expected` (the article_expected query's rows: ts, age_h, expected)
    draws the site's usual count at each age of the story, a dotted line from its birth to the
    chart's end; its points with no expectation (too little history) are left out.
    """
    if series.is_empty():
        return empty("No samples of this story yet")
    fig = go.Figure()
    top = 0.0
    for (platform,), part in series.sort("platform").group_by("platform", maintain_order=True):
        platform = str(platform)
        color = platform_color(platform)
        if kind == "hourly":
            part = part.sort("hour")
            fig.add_bar(
                name=platform,
                x=_local(part, "hour", tz),
                y=part["gained"].to_list(),
                marker_color=color,
                hovertemplate=platform + " %{x|%d %b %H:00}: +%{y:,} " + label + "<extra></extra>",
            )
            continue
        part = part.sort("ts")
        xs, ys = with_gaps(_local(part, "ts", tz), part["value"].to_list())
        top = max(top, float(part["value"].max() or 0))  # type: ignore[arg-type]
        fig.add_scatter(
            name=platform,
            x=xs,
            y=ys,
            mode="lines+markers",
            connectgaps=False,
            line={"color": color, "shape": "hv", "width": 2.5},
            marker={"size": 5},
            hovertemplate=platform + " %{x|%d %b %H:%M}: %{y:,} " + label + "<extra></extra>",
        )
    last = end
    if kind != "hourly" and forecasts is not None and not forecasts.is_empty():
        for row in forecasts.sort("platform").iter_rows(named=True):
            add_forecast(fig, row, tz)
            top = max(top, float(row["upper"]))
            last = max(last, row["target_at"])
    if kind != "hourly" and expected is not None:
        top = max(top, add_expected(fig, expected, tz))
    if kind == "hourly":
        fig.update_layout(barmode="stack")
        totals = series.group_by("hour").agg(pl.col("gained").sum())
        top = float(totals["gained"].max() or 0)  # type: ignore[arg-type]
    fig = _style(fig, 380)
    whole_number_axis(fig, top)
    first = start
    if first is None:
        column = "hour" if kind == "hourly" else "ts"
        first = min(series[column])
    pad = max((last - first) * 0.02, timedelta(minutes=1))
    fig.update_layout(
        xaxis={
            "range": [
                (first - pad).astimezone(tz).replace(tzinfo=None),
                (last + pad).astimezone(tz).replace(tzinfo=None),
            ]
        }
    )
    return fig


def add_expected(fig: go.Figure, expected: pl.DataFrame, tz: tzinfo) -> float:
    """The site's usual interactions at each age of the story (all platforms together), as a
    dotted grey line; returns its highest value (0 when there is none to draw)."""
    known = expected.filter(pl.col("expected").is_not_null()).sort("ts")
    if known.height < 2:  # nothing known past the 0 at birth: too little history
        return 0.0
    fig.add_scatter(
        name="site's usual at this age",
        x=_local(known, "ts", tz),
        y=known["expected"].to_list(),
        customdata=known["age_h"].to_list(),
        mode="lines",
        line={"color": "#555", "dash": "dot", "width": 2},
        hovertemplate="the site's usual at %{customdata:.0f} h: %{y:,.0f} interactions<extra></extra>",
    )
    return float(known["expected"].max())  # type: ignore[arg-type]


def add_forecast(fig: go.Figure, row: dict[str, Any], tz: tzinfo) -> None:
    """One platform's forecast: a band from (inputs_at, count then) to the 80% interval at the
    target time, and a dashed line to the predicted count."""
    platform = str(row["platform"])
    color = platform_color(platform)
    start = row["inputs_at"].astimezone(tz).replace(tzinfo=None)
    target = row["target_at"].astimezone(tz).replace(tzinfo=None)
    now_value = row["interactions_now"]
    fig.add_scatter(
        name=f"{platform} forecast, 80% interval",
        x=[start, target, target, start],
        y=[now_value, row["upper"], row["lower"], now_value],
        fill="toself",
        fillcolor=_translucent(color, 0.15),
        line={"width": 0},
        mode="lines",
        legendgroup=f"forecast-{platform}",
        hoverinfo="skip",
        showlegend=False,
    )
    fig.add_scatter(
        name=f"{platform} forecast",
        x=[start, target],
        y=[now_value, row["predicted"]],
        mode="lines+markers",
        line={"color": color, "dash": "dash", "width": 2},
        marker={"size": [0, 8]},
        legendgroup=f"forecast-{platform}",
        customdata=[[row["lower"], row["upper"]]] * 2,
        hovertemplate=(
            platform
            + " forecast %{x|%d %b %H:%M}: %{y:,.0f} (80%: %{customdata[0]:,.0f}–%{customdata[1]:,.0f})"
            + "<extra></extra>"
        ),
    )


def _translucent(color: str, alpha: float) -> str:
    """'#1f77b4' -> 'rgba(31,119,180,0.15)'."""
    hex_ = color.lstrip("#")
    if len(hex_) != 6:
        return color
    r, g, b = (int(hex_[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"
