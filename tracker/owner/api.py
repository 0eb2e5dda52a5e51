"""The owner's HTTP API routes: a small JSON/Arrow API through which other processes (via
`tracker.client`) query and change the store while `tracker run` holds the DuckDB file.
They are added to the dashboards' Flask server, or to a bare one when running headless.

    GET  /api/health                 liveness
    POST /api/sql     {"sql": ...}   one read-only statement -> Arrow IPC stream
    POST /api/named   {"name", "params"}  a canned sql/queries file -> Arrow IPC stream
    POST /api/query   {"name", "params"}  the same with string params checked against the
                                          file's header (`tracker query`) -> Arrow IPC stream
    GET  /metrics                    Prometheus text exposition of collection counters
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

from tracker import canned, query
from tracker.errors import TrackerError
from tracker.observe import exposition
from tracker.service import Opened, track, untrack

ARROW_STREAM = "application/vnd.apache.arrow.stream"
log = logging.getLogger("tracker.api")


_LOCAL_PATHS = frozenset({"/api/sql", "/api/named", "/api/query", "/api/track", "/api/untrack", "/metrics"})


def _is_loopback(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # a dual-stack socket shows 127.0.0.1 as ::ffff:127.0.0.1
        return address is not None and ip.is_loopback
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
        from tracker.owner.access import authenticated

        # The database's path only to a logged-in caller: file paths tell an attacker too much.
        body: dict[str, object] = {"ok": store.failure is None}
        if authenticated():
            body["db"] = str(store.path)
        if store.failure is not None:  # degraded: the database cannot be written (disk full)
            body["failure"] = store.failure if authenticated() else "the store cannot be written"
        response = jsonify(body)
        response.status_code = 200 if store.failure is None else 503
        return response

    @server.post("/api/sql")
    def sql() -> Response:
        try:
            return arrow_response(query.run(store, str(body().get("sql", "")), timeout_s))
        except TrackerError as exc:
            return _error(str(exc), kind=type(exc).__name__)

    def name_and_params() -> tuple[str, dict[str, Any]]:
        data = body()
        params = data.get("params") or {}
        if not isinstance(params, dict):
            raise TrackerError("params must be an object")
        return str(data.get("name", "")), params

    @server.post("/api/named")
    def named() -> Response:
        try:
            name, params = name_and_params()
            return arrow_response(store.named(name, **params))
        except TrackerError as exc:
            return _error(str(exc), kind=type(exc).__name__)

    @server.post("/api/query")
    def canned_query() -> Response:
        try:
            name, params = name_and_params()
            file, bound = canned.bind(name, {str(k): str(v) for k, v in params.items()})
            return arrow_response(store.df(file.text, bound))
        except TrackerError as exc:
            return _error(str(exc), kind=type(exc).__name__)

    @server.get("/metrics")
    def metrics() -> Response:
        try:
            return Response(exposition.render(store), 200, content_type=exposition.CONTENT_TYPE)
        except TrackerError as exc:  # the store cannot be read (disk full): say so, as text
            return Response(f"# {' '.join(str(exc).split())}\n", 503, content_type=exposition.CONTENT_TYPE)

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
