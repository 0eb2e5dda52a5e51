"""A sparkline as a tiny inline SVG image (a data: URI in an <img>): one per ranking row costs no
Plotly figure and no request, and the same picture works in the page, on a phone and in a
screenshot. Pure: values in, image out."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from dash import html

WIDTH, HEIGHT, PAD = 120, 28, 2


def points(values: Sequence[float], width: int = WIDTH, height: int = HEIGHT) -> str:
    """The polyline's points: x spread evenly, y scaled so the largest value touches the top."""
    top = max(max(values, default=0), 1)
    step = (width - 2 * PAD) / max(len(values) - 1, 1)
    return " ".join(
        f"{PAD + i * step:.1f},{height - PAD - (height - 2 * PAD) * v / top:.1f}"
        for i, v in enumerate(values)
    )


def svg(values: Sequence[float], color: str = "#1f5fbf") -> str:
    """The SVG document: a filled area under a line, no axes."""
    line = points(values)
    area = f"{PAD},{HEIGHT - PAD} {line} {WIDTH - PAD},{HEIGHT - PAD}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">'
        f'<polygon points="{area}" fill="{color}" fill-opacity="0.15"/>'
        f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="1.5"/></svg>'
    )


def image(values: Sequence[float], label: str) -> html.Img:
    """An <img> of the sparkline; `label` is its alt text and tooltip (what it shows, in words)."""
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg(values).encode()).decode()
    return html.Img(src=uri, alt=label, title=label, className="sparkline", width=WIDTH, height=HEIGHT)
