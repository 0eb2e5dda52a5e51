"""The site's Most Popular box as a small self-contained HTML page for an iframe:

    <iframe src="https://tracker.example/embed/most-popular?window=24h&limit=5" ...></iframe>

Same parameters and the same `ranking` query as `/api/most-popular` (so the same stories in the
same order), no script, no external resource, neutral styling that suits any site (system font,
inherited colours, a thin rule). Links open in the embedding page (target=_top). Any site may
frame it; it carries an ETag like the JSON.
"""

from __future__ import annotations

from html import escape
from typing import Any

from flask import Flask, Response, request

from dashboards import box
from dashboards.data import Data

_STYLE = """
body{margin:0;font:15px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;background:transparent}
ol{list-style:none;margin:0;padding:0;counter-reset:r}
li{counter-increment:r;display:flex;gap:.6em;padding:.5em 0;border-bottom:1px solid rgba(0,0,0,.12)}
li::before{content:counter(r);font-weight:700;min-width:1.2em;text-align:right;opacity:.6}
a{color:inherit;text-decoration:none}a:hover{text-decoration:underline}
p{margin:.5em 0;opacity:.7}
""".strip()


def render(body: dict[str, Any]) -> str:
    """The snippet's HTML (every title and URL escaped)."""
    items = "".join(
        f'<li><a href="{escape(a["url"])}" target="_top" rel="noopener">{escape(a["title"] or a["url"])}</a></li>'
        for a in body["articles"]
    )
    inner = f"<ol>{items}</ol>" if items else "<p>Nothing to show yet.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Most popular</title><style>{_STYLE}</style></head>"
        f'<body data-as-of="{escape(body["as_of"] or "")}">{inner}</body></html>'
    )


def register(server: Flask, data: Data, max_age_s: int = 5) -> None:
    @server.get("/embed/most-popular")
    def embed_most_popular() -> Response:
        try:
            query = box.parse(request.args, box.known_platforms(data))
        except box.BadParameter as exc:
            return Response(escape(str(exc)), status=400, mimetype="text/plain")
        body = box.payload(data, query)
        tag = box.etag(body, "html")
        if request.if_none_match.contains_weak(tag):
            response = Response(status=304)
        else:
            response = Response(render(body), mimetype="text/html")
        response.set_etag(tag, weak=True)
        response.cache_control.public = True
        response.cache_control.max_age = max_age_s
        # Self-contained: nothing to load, no script; any page may frame it.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *; base-uri 'none'"
        )
        return response
