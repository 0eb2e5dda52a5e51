"""Public-only clients connect to the address they vetted, over real HTTP on 127.0.0.1: the
host name is resolved once, every address must be public, and the connection goes to that
address with the Host header still naming the host, so DNS cannot answer a public address to
the check and a private one to the connect (rebinding). Feeds of sites without allow_private,
and Mastodon instances adopted from status URLs, use such clients."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from werkzeug.wrappers import Request, Response

from tracker.clock import FrozenClock
from tracker.collector import Limits
from tracker.errors import BadResponse
from tracker.http import HTTPOptions, PlatformHTTP, PublicAddressTransport
from tracker.netguard import non_public
from tracker.owner.background import BackgroundServer
from tracker.ratelimit import RetryPolicy
from tracker.secrets import Redactor

NAME = "news.rebind.test"  # resolves nowhere: only the transport's own answer can reach the server


class Recorder:
    def __init__(self) -> None:
        self.hosts: list[str] = []
        self._server = BackgroundServer(self._app, name="pinning").start()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.hosts.append(Request(environ).host)
        return Response(b"<rss/>", 200, mimetype="application/rss+xml")(environ, start_response)

    @property
    def port(self) -> int:
        return int(self._server.url.rsplit(":", 1)[1])

    def close(self) -> None:
        self._server.stop()


@pytest.fixture
def recorder():
    running = Recorder()
    yield running
    running.close()


class Answers:
    """A resolver that answers from a script, one answer per lookup, and counts lookups."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.lookups = 0

    def __call__(self, host: str) -> list[str]:
        self.lookups += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _loopback_counts_as_public(address: Any) -> str | None:
    return None if str(address) == "127.0.0.1" else non_public(address)


def test_the_connection_goes_to_the_vetted_address_with_the_host_header_kept(recorder):
    resolve = Answers(["127.0.0.1"])
    transport = PublicAddressTransport(
        "feeds", httpx.HTTPTransport(), resolve, vet=_loopback_counts_as_public
    )
    with httpx.Client(transport=transport) as client:
        response = client.get(f"http://{NAME}:{recorder.port}/feed/")
    assert response.status_code == 200
    assert recorder.hosts == [f"{NAME}:{recorder.port}"]
    assert (
        str(response.request.url) == f"http://{NAME}:{recorder.port}/feed/"
    )  # redirects resolve against the name
    assert resolve.lookups == 1  # one lookup: the address checked is the address connected to


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ([["127.0.0.1"]], "resolves to a loopback address (127.0.0.1)"),
        ([["93.184.215.14", "10.1.2.3"]], "resolves to a private address (10.1.2.3)"),
        ([["::ffff:127.0.0.1"]], "resolves to a loopback address"),
    ],
)
def test_a_name_that_resolves_to_a_non_public_address_is_never_connected_to(recorder, answers, reason):
    http = PlatformHTTP(
        "feeds",
        Limits(requests=1000, per_seconds=1, max_batch=1, min_resample_s=1, header_style="none"),
        FrozenClock(datetime(2026, 11, 20, tzinfo=UTC)),
        Redactor(),
        HTTPOptions(timeout_s=5, retry=RetryPolicy(attempts=1), resolve=Answers(*answers)),
    )
    try:
        with pytest.raises(BadResponse) as raised:
            http.client(f"http://{NAME}:{recorder.port}", public_only=True).get("/feed/")
        assert reason in str(raised.value) and "not fetched" in str(raised.value)
        assert recorder.hosts == []
        # the same client without public_only (a site with allow_private) is not pinned
        assert http.client(f"http://127.0.0.1:{recorder.port}").get("/feed/").status_code == 200
    finally:
        http.close()


def test_a_rebinding_name_is_caught_at_connect_time(recorder):
    """The guard saw a public address; the name now answers loopback: the transport's own lookup
    is the one that counts, so nothing reaches the loopback server."""
    resolve = Answers(["93.184.215.14"], ["127.0.0.1"])
    assert resolve(NAME) == ["93.184.215.14"]  # what a guard's lookup saw a moment ago
    transport = PublicAddressTransport("feeds", httpx.HTTPTransport(), resolve)
    with httpx.Client(transport=transport) as client, pytest.raises(BadResponse, match="loopback address"):
        client.get(f"http://{NAME}:{recorder.port}/feed/")
    assert recorder.hosts == []
