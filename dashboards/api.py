"""JSON for the news site's own "Most Popular" box, served by the dashboards' Flask server:

    GET /api/most-popular?window=24h&limit=10&platform=reddit

It runs the same canned query as the Most Popular page, so the box and the newsroom see the same
ranking. Any origin may read it (Access-Control-Allow-Origin: *): the data is public rankings and
the site's front end fetches it from the readers' browsers. Bad parameters get a 400 whose JSON
body is {"error": "<one line>"}.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request

from dashboards import format as fmt
from dashboards.data import DEFAULT_WINDOW, MAX_LIMIT, WINDOWS, Data
from tracker.errors import TrackerError

DEFAULT_LIMIT = 10
_PLATFORM = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class BadParameter(ValueError):
    """A query-string value we refuse; its message is the one-line error the caller sees."""


def parse(args: Mapping[str, str]) -> tuple[str, int, str]:
    """(window, limit, platform) from the query string, or BadParameter."""
    window = args.get("window", DEFAULT_WINDOW)
    if window not in WINDOWS:
        raise BadParameter(f"window must be one of {', '.join(WINDOWS)}, not {window[:40]!r}")
    raw_limit = args.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(raw_limit)
    except ValueError:
        raise BadParameter(f"limit must be a whole number, not {raw_limit[:40]!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadParameter(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    platform = args.get("platform", "")
    if platform and not _PLATFORM.match(platform):
        raise BadParameter(f"platform must be a platform name such as reddit, not {platform[:40]!r}")
    return window, limit, platform


def _error(message: str, status: int) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def blueprint(data: Data, max_age_s: int = 5) -> Blueprint:
    """The routes, bound to one `Data` (so two apps in one process never share state)."""
    api = Blueprint("dashboards_api", __name__)

    @api.get("/api/most-popular")
    def most_popular() -> Response:
        try:
            window, limit, platform = parse(request.args)
        except BadParameter as exc:
            return _error(str(exc), 400)
        try:
            result = data.most_popular(window, platform, limit)
        except TrackerError as exc:
            return _error(f"the ranking could not be computed: {exc}", 500)
        articles: list[dict[str, Any]] = [
            {
                "rank": row["rank"],
                "article_id": row["article_id"],
                "url": row["url"],
                "title": row["title"],
                "site": row["site"],
                "section": row["section"],
                "published_at": fmt.iso(row["published_at"]),
                "interactions": row["interactions"],
                "views": row["views"],
                "total_interactions": row["total_interactions"],
                "platforms": row["platforms"],
                "last_sample_at": fmt.iso(row["last_sample_at"]),
            }
            for row in result.rows.iter_rows(named=True)
        ]
        response = jsonify(
            {
                "as_of": fmt.iso(result.as_of),
                "window": window,
                "platform": platform or None,
                "articles": articles,
            }
        )
        response.cache_control.public = True
        response.cache_control.max_age = max_age_s
        return response

    @api.after_request
    def allow_any_origin(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    return api


def register(server: Flask, data: Data, max_age_s: int = 5) -> None:
    """Mount the JSON routes on the Dash app's Flask server."""
    server.register_blueprint(blueprint(data, max_age_s))
