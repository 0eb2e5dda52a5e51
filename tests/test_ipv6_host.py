"""`tracker run --host ::` works: the server listens on IPv6, its URL is usable by other
processes, and IPv6 loopback (and IPv4 through a dual-stack socket) counts as this machine."""

from __future__ import annotations

import httpx
import pytest

from tracker.owner.api import _is_loopback
from tracker.owner.background import BackgroundServer


def _hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ.get("REMOTE_ADDR", "").encode()]


def test_a_server_on_the_ipv6_wildcard_is_reachable_through_its_url():
    server = BackgroundServer(_hello, host="::").start()
    try:
        assert server.url.startswith("http://[::1]:")
        answer = httpx.get(server.url, timeout=5)
        assert answer.status_code == 200 and _is_loopback(answer.text)
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("address", "local"),
    [
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("127.0.0.1", True),
        ("::ffff:10.0.0.1", False),
        ("2001:db8::1", False),
        (None, False),
        ("junk", False),
    ],
)
def test_loopback_in_every_spelling(address, local):
    assert _is_loopback(address) is local
