"""Pieces every page shares: the navigation bar, the "data as of" freshness badge, pill and
drop-down controls, and the sortable table every page uses (headers are links that put the sort
in the URL; each cell carries its column's label so the phone layout can show rows as cards)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import polars as pl
from dash import dcc, html

from dashboards import format as fmt
from dashboards.colors import platform_chip_class
from dashboards.data import Served
from dashboards.view import View

NAV = (("/", "Most popular"), ("/trending", "Trending"), ("/health", "Health"))
STALE_AFTER = timedelta(minutes=15)  # older than this, the badge turns amber


def nav(pathname: str | None, tz: str = "") -> list[dcc.Link]:
    """Links to the top-level pages, the current one marked (a chosen time zone travels along)."""
    current = (pathname or "/").rstrip("/") or "/"
    suffix = f"?tz={tz}" if tz else ""
    return [
        dcc.Link(label, href=href + suffix, className="nav-link active" if href == current else "nav-link")
        for href, label in NAV
    ]


def freshness_badge(
    latest_sample_at: datetime | None, as_of: datetime, tz: tzinfo, served: Served | None = None
) -> html.Span:
    """'Data as of 21:14:47 UTC · 3 min ago': when the newest observation was made; while the
    page shows the previous refresh's figures (the warmer is recomputing them), it adds how old
    they are: '· figures from 45 s ago, updating'."""
    if latest_sample_at is None:
        return html.Span("No data yet", className="badge badge-stale", id="freshness-text")
    stale = as_of - latest_sample_at > STALE_AFTER
    parts: list[Any] = [
        f"Data as of {fmt.clock_time(latest_sample_at, tz)}",
        html.Span(f" · {fmt.ago(latest_sample_at, as_of)}", className="badge-ago"),
    ]
    title = f"newest sample {fmt.iso(latest_sample_at)}; ranked as of {fmt.iso(as_of)}"
    if served is not None and served.stale and served.computed_at is not None:
        computed = datetime.fromtimestamp(served.computed_at, UTC)
        age = fmt.ago(computed, datetime.now(UTC))
        parts.append(html.Span(f" · figures from {age}, updating", className="badge-refreshing"))
        title += f"; these figures were computed {age} (the next ones are being computed)"
    return html.Span(
        parts,
        className="badge badge-stale" if stale else "badge",
        title=title,
        id="freshness-text",
    )


def pills(component_id: str, options: Sequence[tuple[str, str]], value: str) -> dcc.RadioItems:
    """A row of pills, one selected: [(value, label), ...]."""
    return dcc.RadioItems(
        id=component_id,
        options=[{"label": label, "value": v} for v, label in options],
        value=value,
        inline=True,
        className="pills",
        labelClassName="pill",
    )


def choice(component_id: str, placeholder: str, values: Sequence[str], value: str) -> dcc.Dropdown:
    """A searchable drop-down; clearing it means "all"."""
    return dcc.Dropdown(
        id=component_id,
        options=[{"label": v, "value": v} for v in values],
        value=value or None,
        placeholder=placeholder,
        clearable=True,
        className="choice",
    )


def rendered_view(component_id: str, view: View) -> dcc.Store:
    """The query string a page's controls were rendered from, beside them in the layout. A
    control callback compares its values with this, not with the URL: a layout that arrives
    after the user already pressed back again reports its own (older) values, and comparing them
    with the newer URL would push that older view as a new history entry, cutting off the way
    back (seen as a flaky back/forward test under load)."""
    return dcc.Store(id=component_id, data=view.search())


def control(label: str, widget: Any) -> html.Div:
    return html.Div([html.Label(label), widget], className="control")


def platform_chip(platform: str, text: str | None = None) -> html.Span:
    return html.Span(text or platform, className=f"chip {platform_chip_class(platform)}")


@dataclass(frozen=True)
class Column:
    """One table column: its header, how a row renders in it, and the frame column it sorts by."""

    key: str  # the URL's sort=<key>
    label: str
    cell: Callable[[dict[str, Any]], Any]
    sort_by: str | None = None  # a frame column; None = not sortable
    numeric: bool = False
    csv: str | None = None  # the frame column the CSV download writes for it (default sort_by)


def sort_frame(frame: pl.DataFrame, columns: Sequence[Column], view: View) -> pl.DataFrame:
    """The frame in the order the URL asks for (`sort=key` or `sort=-key`), else as it came."""
    key, descending = view.sort_key()
    by = next((c.sort_by for c in columns if c.key == key and c.sort_by), None)
    if by is None or by not in frame.columns:
        return frame
    return frame.sort(by, descending=descending, nulls_last=True, maintain_order=True)


def _header(column: Column, view: View, pathname: str) -> html.Th:
    classes = "num" if column.numeric else ""
    if not column.sort_by:
        return html.Th(column.label, className=classes)
    key, descending = view.sort_key()
    active = key == column.key
    # First click sorts numbers high-to-low and text A-Z; a second click reverses.
    first = f"-{column.key}" if column.numeric else column.key
    flip = column.key if descending else f"-{column.key}"
    href = pathname + view.with_(sort=flip if active else first).search()
    arrow = (" ▼" if descending else " ▲") if active else ""
    aria: dict[str, Any] = {"aria-sort": ("descending" if descending else "ascending") if active else "none"}
    return html.Th(
        dcc.Link(column.label + arrow, href=href, className="sort-link"),
        className=classes + (" sorted" if active else ""),
        **aria,
    )


def header_row(columns: Sequence[Column], view: View, pathname: str) -> html.Thead:
    """A table head whose sortable headers are links carrying the sort in the URL."""
    return html.Thead(html.Tr([_header(c, view, pathname) for c in columns]))


def label_cells(table: html.Table) -> html.Table:
    """Give each body cell its column's header as `data-label` (the phone layout shows rows as
    cards, each value under its label). For tables built cell by cell, like Health's."""
    head, body = table.children[0], table.children[1]
    labels = [_text(th) for th in head.children.children]
    for tr in body.children:
        for label, td in zip(labels, tr.children, strict=False):
            setattr(td, "data-label", label)
    return table


def _text(component: Any) -> str:
    if isinstance(component, str):
        return component
    children = getattr(component, "children", "")
    if isinstance(children, list):
        return "".join(_text(c) for c in children)
    return _text(children) if children is not None else ""


def table(
    frame: pl.DataFrame,
    columns: Sequence[Column],
    view: View,
    pathname: str,
    class_name: str,
    row_attrs: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> html.Table:
    """A sortable table of `frame` (already sorted by `sort_frame`)."""
    head = header_row(columns, view, pathname)
    body = [
        html.Tr(
            [
                html.Td(c.cell(row), className="num" if c.numeric else None, **data_attr("label", c.label))
                for c in columns
            ],
            **(row_attrs(row) if row_attrs else {}),
        )
        for row in frame.iter_rows(named=True)
    ]
    return html.Table([head, html.Tbody(body)], className=f"sortable {class_name}")


def csv_frame(frame: pl.DataFrame, columns: Sequence[Column]) -> pl.DataFrame:
    """The columns a table shows, raw values (lists joined by spaces), for the CSV download."""
    names = [c.csv or c.sort_by for c in columns]
    picked = [n for n in dict.fromkeys(n for n in names if n) if n in frame.columns]
    out = frame.select(picked)
    return out.with_columns(
        pl.col(n).cast(pl.List(pl.String)).list.join(" ")
        for n in picked
        if isinstance(out.schema[n], pl.List)
    )


def download_link(href: str) -> html.A:
    return html.A("Download CSV", href=href, className="download", download="", id="download-csv")


def ranking_table(
    frame: pl.DataFrame, columns: Sequence[Column], ctx: Any, csv_path: str, now: datetime
) -> list[Any]:
    """A ranking (Most Popular, Trending): the sortable table, its CSV link and its time."""
    return [
        table(
            frame,
            columns,
            ctx.view,
            ctx.pathname,
            "ranking",
            lambda r: data_attr("article-id", r["article_id"]),
        ),
        html.Div(
            [
                download_link(csv_path + ctx.view.search()),
                html.Span(f"Ranked as of {fmt.clock_time(now, ctx.tz)}", className="muted"),
            ],
            className="table-foot",
        ),
    ]


def data_attr(name: str, value: object) -> dict[str, Any]:
    """A `data-*` attribute for a Dash html component (tests and scripts find rows by it)."""
    return {f"data-{name}": str(value)}


def story_cell(row: dict[str, Any], tz: tzinfo, now: datetime) -> list[Any]:
    """Title (linking to its page), then one line: site · section · author, publication time and
    age, and a link to the story itself. Three components: a page builds one per ranked row, and
    the browser's cost grows faster than the number of components."""
    published = row.get("published_at")
    meta = " · ".join(filter(None, [row.get("site"), row.get("section"), row.get("author")]))
    when = f"{fmt.when(published, tz)} ({fmt.ago(published, now)})" if published else "unpublished"
    return [
        dcc.Link(row["title"] or row["url"], href=f"/article/{row['article_id']}", className="story-link"),
        html.Div(
            [
                " · ".join(filter(None, [meta, when])) + " ",
                html.A("open ↗", href=row["url"], target="_blank", rel="noopener", className="ext"),
            ],
            className="story-meta",
            title=fmt.iso(published) or "",
        ),
    ]


def why(summary: str, facts: Sequence[tuple[str, str]]) -> html.Details:
    """A row's "why" panel: one 'label: value' line per fact in a single text block (three
    components per row, where a list of label and value elements took some thirty)."""
    return html.Details(
        [
            html.Summary(summary),
            html.Div("\n".join(f"{label}: {value}" for label, value in facts), className="inputs-facts"),
        ],
        className="why",
    )


def rank_cell(row: dict[str, Any], shift_s: int) -> list[Any]:
    """The rank and its change since `shift_s` seconds ago (`rank_before`: null when it was not
    ranked then): '▲2', '▼1', '=' or 'new', the earlier rank in the tooltip."""
    change = row["rank_change"]
    shift = fmt.duration(shift_s)
    if row["rank_before"] is None:
        badge = html.Span("new", className="move move-new", title=f"not ranked {shift} ago")
    elif change:
        badge = html.Span(
            f"▲{change}" if change > 0 else f"▼{-change}",
            className="move move-up" if change > 0 else "move move-down",
            title=f"#{row['rank_before']} {shift} ago",
        )
    else:
        badge = html.Span("=", className="move", title=f"also #{row['rank']} {shift} ago")
    return [html.Span(row["rank"], className="rank"), badge]


def with_rank_change(rows: pl.DataFrame, before: pl.DataFrame) -> pl.DataFrame:
    """`rows` with rank_before (from `before`, a ranking computed earlier) and rank_change
    (positive = moved up). A rank_before the ranking itself carries (trending()'s front-page rank
    a while ago) is replaced: joined beside it, it took the place of the ranking's."""
    earlier = before.select("article_id", pl.col("rank").alias("rank_before"))
    mine = rows.drop("rank_before", "rank_change", strict=False)
    return mine.join(earlier, on="article_id", how="left").with_columns(
        (pl.col("rank_before") - pl.col("rank")).alias("rank_change")
    )
