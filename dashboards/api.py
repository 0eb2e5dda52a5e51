"""JSON for the news site's own "Most Popular" box, served by the dashboards' Flask server:

    GET /api/most-popular?window=24h&limit=5[&platform=reddit][&site=..][&section=..][&author=..]

It runs the same `ranking` query as the Most Popular page, so the box and the newsroom see the
same ranking. Any origin may read it (Access-Control-Allow-Origin: *): the data is public rankings
and the site's front end fetches it from the readers' browsers. It answers with a weak ETag and
honours If-None-Match (304). Unknown, repeated or bad parameters get a 400 whose JSON body is
{"error": "<one line>"}.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, request

from dashboards import box
from dashboards.data import Data
from tracker.errors import TrackerError

BadParameter = box.BadParameter  # kept for callers of the former dashboards.api.BadParameter


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
            query = box.parse(request.args, box.known_platforms(data))
        except box.BadParameter as exc:
            return _error(str(exc), 400)
        try:
            body = box.payload(data, query)
        except TrackerError as exc:
            return _error(f"the ranking could not be computed: {exc}", 500)
        tag = box.etag(body, "json")
        response = Response(status=304) if request.if_none_match.contains_weak(tag) else jsonify(body)
        response.set_etag(tag, weak=True)
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
