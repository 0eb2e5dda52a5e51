"""A WSGI app served by Werkzeug's threaded server in a background thread, without an access
log. The owner's dashboards and API, the simulator, and the tests' replay servers all run this
way; port 0 picks a free port, and `url` says which."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """No access log: these servers answer thousands of requests a minute."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class BackgroundServer:
    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, name: str = "wsgi") -> None:
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=QuietHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread instead (`tracker simulate`)."""
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
