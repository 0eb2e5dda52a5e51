"""Serve ../shared/api-samples over real HTTP on 127.0.0.1: each sample answers its own
path (query ignored) with its recorded status, headers and body, so collectors can be run
against real responses as well as against the simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from tracker.owner.background import BackgroundServer

_HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "content-encoding"}


class ReplayServer:
    def __init__(self, folder: Path, names: list[str] | None = None) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        for meta_path in sorted(folder.glob("*.meta.json")):
            name = meta_path.name.removesuffix(".meta.json")
            if names is not None and name not in names:
                continue
            meta = json.loads(meta_path.read_text())
            body_path = next(p for p in folder.glob(name + ".*") if not p.name.endswith(".meta.json"))
            headers = {k: v for k, v in meta.get("headers", {}).items() if k.lower() not in _HOP_HEADERS}
            path = urlsplit(meta["path_and_query"]).path
            self.routes[path] = (int(meta["status"]), headers, body_path.read_bytes())
        self.requests: list[str] = []
        self._server = BackgroundServer(self._app, name="replay").start()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append(request.full_path)
        route = self.routes.get(request.path)
        if route is None:
            response = Response(b'{"error": "no sample for this path"}', 404, mimetype="application/json")
        else:
            status, headers, body = route
            response = Response(body, status, headers=headers)
        return response(environ, start_response)

    @property
    def url(self) -> str:
        return self._server.url

    def close(self) -> None:
        self._server.stop()
