"""CSV downloads of what a page shows: the same query, the same filters and the same order as the
table on screen (the link carries the page's query string), with raw values instead of formatted
ones (whole numbers, ISO-8601 UTC times), for a spreadsheet.

    GET /download/most-popular.csv?window=1h&platform=reddit
    GET /download/trending.csv   /download/health.csv   /download/article/<id>.csv
"""

from __future__ import annotations

import io
from collections.abc import Callable

import polars as pl
from flask import Flask, Response, abort, request

from dashboards.data import Data
from dashboards.pages import article, health, most_popular, trending
from dashboards.view import Ctx


def to_csv(frame: pl.DataFrame) -> bytes:
    """Datetimes as ISO-8601 UTC; lists joined by spaces."""
    out = frame.with_columns(
        pl.col(pl.Datetime).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        *(
            pl.col(n).cast(pl.List(pl.String)).list.join(" ")
            for n, t in frame.schema.items()
            if isinstance(t, pl.List)
        ),
    )
    buffer = io.BytesIO()
    out.write_csv(buffer)
    return buffer.getvalue()


def _send(frame: pl.DataFrame, name: str) -> Response:
    response = Response(to_csv(frame), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.cache_control.no_store = True
    return response


def register(server: Flask, data: Data, context: Callable[[str, str], Ctx]) -> None:
    """Mount the download routes; `context(path, search)` rebuilds the page's view."""

    def ctx(path: str) -> Ctx:
        search = request.query_string.decode("utf-8", "replace")
        return context(path, "?" + search if search else "")

    @server.get("/download/most-popular.csv")
    def most_popular_csv() -> Response:
        return _send(most_popular.csv(data, ctx("/")), "most-popular.csv")

    @server.get("/download/trending.csv")
    def trending_csv() -> Response:
        return _send(trending.csv(data, ctx("/trending")), "trending.csv")

    @server.get("/download/health.csv")
    def health_csv() -> Response:
        return _send(health.csv(data, ctx("/health")), "health.csv")

    @server.get("/download/article/<int:article_id>.csv")
    def article_csv(article_id: int) -> Response:
        if data.article(article_id).is_empty():
            abort(404)
        return _send(
            article.csv(data, ctx(f"/article/{article_id}"), article_id), f"article-{article_id}-posts.csv"
        )
