"""The owner's HTTP API routes: a small JSON/Arrow API through which other processes (via
`tracker.client`) query and change the store while `tracker run` holds the DuckDB file.
They are added to the dashboards' Flask server, or to a bare one when running headless.

    GET  /api/health                 liveness
    POST /api/sql     {"sql": ...}   one read-only statement -> Arrow IPC stream
    POST /api/named   {"name", "params"}  a canned sql/queries file -> Arrow IPC stream
    POST /api/track   {"urls": [...]}     -> {"tracked": [...]}
    POST /api/untrack {"urls": [...]}     -> {"changed": n}

It listens on 127.0.0.1 by default; the endpoints that change state accept JSON only, which a
cross-site form cannot send.
"""

from __future__ import annotations

import dataclasses
import io
import ipaddress
import logging
from typing import Any

import polars as pl
from flask import Flask, Response, jsonify, request

from tracker import query
from tracker.errors import TrackerError
from tracker.service import Opened, track, untrack

ARROW_STREAM = "application/vnd.apache.arrow.stream"
log = logging.getLogger("tracker.api")


_LOCAL_PATHS = frozenset({"/api/sql", "/api/named", "/api/track", "/api/untrack"})


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def arrow_response(frame: pl.DataFrame) -> Response:
    buffer = io.BytesIO()
    frame.write_ipc_stream(buffer)
    return Response(buffer.getvalue(), 200, mimetype=ARROW_STREAM)


def _error(message: str, status: int = 400, kind: str = "TrackerError") -> Response:
    """`kind` names the TrackerError subclass, so a client raises what a local call would."""
    response = jsonify({"error": message, "kind": kind})
    response.status_code = status
    return response


def add_api(server: Flask, opened: Opened) -> None:
    """Register the store API on a Flask server (the Dash app's)."""
    store = opened.collection.store
    timeout_s = opened.collection.config.storage.query_timeout_s

    @server.before_request
    def local_only() -> Response | None:
        """The query and tracking endpoints answer only on this machine; the public JSON for
        the site's box (/api/most-popular) and the pages stay reachable through a proxy."""
        if request.path in _LOCAL_PATHS and not _is_loopback(request.remote_addr):
            return _error("this endpoint answers only on the machine running tracker", 403)
        return None

    def body() -> dict[str, Any]:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise TrackerError("send a JSON object with Content-Type: application/json")
        return data

    @server.get("/api/health")
    def health() -> Response:
        return jsonify({"ok": True, "db": str(store.path)})

    @server.post("/api/sql")
    def sql() -> Response:
        try:
            return arrow_response(query.run(store, str(body().get("sql", "")), timeout_s))
        except TrackerError as exc:
            return _error(str(exc), kind=type(exc).__name__)

    @server.post("/api/named")
    def named() -> Response:
        try:
            data = body()
            params = data.get("params") or {}
            if not isinstance(params, dict):
                raise TrackerError("params must be an object")
            return arrow_response(store.named(str(data.get("name", "")), **params))
        except TrackerError as exc:
            return _error(str(exc), kind=type(exc).__name__)

    @server.post("/api/track")
    def track_urls() -> Response:
        try:
            urls = [str(u) for u in body().get("urls", [])]
            return jsonify({"tracked": [dataclasses.asdict(t) for t in track(opened, urls)]})
        except TrackerError as exc:
            return _error(str(exc), kind=type(exc).__name__)

    @server.post("/api/untrack")
    def untrack_urls() -> Response:
        try:
            return jsonify({"changed": untrack(opened, [str(u) for u in body().get("urls", [])])})
        except TrackerError as exc:
            return _error(str(exc), kind=type(exc).__name__)
