"""A timer refresh changes only what changed on the page, so nothing an editor looks at is wiped
and redrawn when its figures are the same.

Dash 4 mounts again every child of a component whose `children` a callback sets: replacing a
page's data part whole at each refresh showed, in Chromium, the chart's DOM node replaced every
time, even with the same data (an empty chart while Plotly drew it again, and a test's check
landing in between), and any "why" panel an editor had opened closed again. So the data part is
shown as separate parts, each in its own wrapper (`part_id`), with a chart's figure given an id
of its own (`chart_id`), and a digest of each part kept beside them (`DIGESTS`, a dcc.Store). A
refresh compares the new parts' digests with those shown and changes:

- nothing when every part is the same;
- only the parts that differ, and for a chart only its `figure` (Plotly updates the chart in
  place, the node stays);
- the whole data part when its shape changed (another number or kind of parts).
"""

from __future__ import annotations

import hashlib
from typing import Any

from dash import dcc, html, no_update
from plotly.io.json import to_json_plotly

DIGESTS = "content-digests"  # the dcc.Store holding the digests of the parts shown
PART = "refreshed-part"  # pattern-matching id type of a part's wrapper
CHART = "refreshed-chart"  # pattern-matching id type of a chart's dcc.Graph


def part_id(index: int) -> dict[str, Any]:
    return {"type": PART, "index": index}


def chart_id(name: str) -> dict[str, Any]:
    return {"type": CHART, "name": name}


def _hash(value: Any) -> str:
    return hashlib.blake2b(to_json_plotly(value).encode(), digest_size=12).hexdigest()


def _props(graph: dcc.Graph) -> dict[str, Any]:
    """A chart's props (its id, figure, config...)."""
    shown: dict[str, Any] = graph.to_plotly_json()  # type: ignore[no-untyped-call]  # Dash ships no annotations
    return dict(shown["props"])


def digest(part: Any) -> list[str]:
    """[what the part is, a hash of all of it but a chart's figure, a hash of the chart's figure]."""
    if isinstance(part, dcc.Graph):
        props = _props(part)
        figure = props.pop("figure", None)
        return [f"Graph#{props['id']}", _hash(props), _hash(figure)]
    return [type(part).__name__, _hash(part), ""]


def parts(children: Any) -> list[Any]:
    """A data part as a list of parts (a page may answer one component, e.g. 'nothing yet')."""
    return list(children) if isinstance(children, list | tuple) else [children]


def digests(children: Any) -> list[list[str]]:
    return [digest(p) for p in parts(children)]


def _shown(part: Any) -> Any:
    """A part as the page shows it: a chart's dcc.Graph gets the pattern id its figure is
    refreshed through, inside a Div keeping the chart's own id (styles and tests find it)."""
    if not isinstance(part, dcc.Graph):
        return part
    props = _props(part)
    name = str(props.pop("id"))
    return html.Div(dcc.Graph(id=chart_id(name), **props), id=name, className="chart")


def wrapped(children: Any) -> list[html.Div]:
    """The data part's parts, each in its own wrapper (display: contents: no layout of its own)."""
    return [html.Div(_shown(p), id=part_id(i), className="part") for i, p in enumerate(parts(children))]


def area(shown: Any) -> list[Any]:
    """The refreshed area of a page: its data part and the digests of what it shows."""
    return [dcc.Store(id=DIGESTS, data=digests(shown)), html.Div(wrapped(shown), id="page-content")]


def unchanged(part_ids: list[dict[str, Any]], chart_ids: list[dict[str, Any]]) -> tuple[Any, Any, Any, Any]:
    """A refresh that sets nothing: `changes`' answer when every part is the same."""
    return no_update, [no_update] * len(part_ids), [no_update] * len(chart_ids), no_update


def changes(
    children: Any,
    shown: list[list[str]] | None,
    part_ids: list[dict[str, Any]],
    chart_ids: list[dict[str, Any]],
) -> tuple[Any, Any, Any, Any]:
    """What a refresh sets for the new data part `children`, given the digests of the parts shown
    and the ids of the parts' wrappers and charts on the page: (the whole data part, each part,
    each chart's figure, the digests), `no_update` wherever nothing changed (wildcard outputs
    want one per id)."""
    new = parts(children)
    after = digests(new)
    if shown == after:
        return unchanged(part_ids, chart_ids)
    unchanged_parts, unchanged_charts = [no_update] * len(part_ids), [no_update] * len(chart_ids)
    same_shape = (
        shown is not None
        and len(shown) == len(after) == len(part_ids)
        and all(
            b[0] == a[0] and (not a[0].startswith("Graph#") or b[1] == a[1])
            for b, a in zip(shown, after, strict=True)
        )
    )
    if not same_shape:
        return wrapped(new), unchanged_parts, unchanged_charts, after
    assert shown is not None
    changed_parts = [
        _shown(new[i]) if shown[i] != after[i] and not after[i][0].startswith("Graph#") else no_update
        for i in (int(p["index"]) for p in part_ids)
    ]
    figures = {
        str(props["id"]): props.get("figure")
        for props, before, now in (
            (_props(part), b, a)
            for part, b, a in zip(new, shown, after, strict=True)
            if isinstance(part, dcc.Graph)
        )
        if before[2] != now[2]
    }
    changed_charts = [figures.get(str(c["name"]), no_update) for c in chart_ids]
    return no_update, changed_parts, changed_charts, after
