"""Body size is enforced while streaming, on decompressed bytes, over real HTTP on loopback: a
gzip bomb and a huge plain body are refused after the limit, not after they have been read."""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from tracker.clock import FrozenClock
from tracker.collector import Limits
from tracker.http import BodyTooLarge, HTTPOptions, PlatformHTTP
from tracker.owner.background import BackgroundServer
from tracker.ratelimit import RetryPolicy
from tracker.secrets import Redactor

GIB = 1024**3
LIMIT = 4 * 1024 * 1024


def _gzip_of_zeros(size: int) -> bytes:
    """A gzip body that inflates to `size` zero bytes (about size/1000 bytes on the wire)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


class Server:
    def __init__(self) -> None:
        self.bomb = _gzip_of_zeros(GIB)
        self.sent = 0
        self._server = BackgroundServer(self._app, name="bodies").start()

    def _plain(self, size: int) -> Iterator[bytes]:
        chunk = b"x" * 65536
        for _ in range(size // len(chunk)):
            self.sent += len(chunk)
            yield chunk

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = Request(environ).path
        if path == "/bomb":
            response = Response(
                self.bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/xml"}
            )
        elif path == "/plain-100mb":
            response = Response(self._plain(100 * 1024 * 1024), mimetype="application/octet-stream")
        elif path == "/small-gzip":
            response = Response(gzip.compress(b"<ok/>" * 1000), headers={"Content-Encoding": "gzip"})
        else:
            response = Response(b"not here", 404)
        return response(environ, start_response)

    @property
    def url(self) -> str:
        return self._server.url

    def close(self) -> None:
        self._server.stop()


@pytest.fixture(scope="module")
def server():
    running = Server()
    yield running
    running.close()


def _client(server: Server):
    http = PlatformHTTP(
        "feeds",
        Limits(requests=1000, per_seconds=1, max_batch=1, min_resample_s=1, header_style="none"),
        FrozenClock(datetime(2026, 11, 20, tzinfo=UTC)),
        Redactor(),
        HTTPOptions(timeout_s=10, retry=RetryPolicy(attempts=1), max_body_bytes=LIMIT),
    )
    return http.client(server.url)


def test_the_bomb_is_really_a_bomb(server):
    assert len(server.bomb) < 1_100_000
    assert len(zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(server.bomb, LIMIT + 1)) == LIMIT + 1


@pytest.mark.parametrize("path", ["/bomb", "/plain-100mb"])
def test_a_body_past_the_limit_is_refused_without_holding_it(server, path):
    client = _client(server)
    tracemalloc.start()
    started = time.monotonic()
    refused: BodyTooLarge | None = None
    try:
        client.get(path)
    except BodyTooLarge as exc:
        refused = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert refused is not None and f"body passed {LIMIT} bytes" in str(refused)
    # The limit is 4 MiB; the bomb is 1 MB on the wire and 1 GiB inflated, the plain body 100 MB.
    # Before this transport existed the bomb took the process past 1 GiB.
    # The chunked plain body adds h11's read buffers, measured between 4.5 and 14 MB depending
    # on what ran before; either way a small multiple of the limit, not the body.
    bound = 1.5 * LIMIT if path == "/bomb" else 4 * LIMIT
    assert peak < bound, f"peak {peak} bytes"
    assert time.monotonic() - started < 10


def test_the_plain_body_stops_streaming_early(server):
    server.sent = 0
    with pytest.raises(BodyTooLarge):
        _client(server).get("/plain-100mb")
    time.sleep(0.2)
    assert server.sent < 100 * 1024 * 1024  # the server was cut off, not read to the end


def test_a_small_gzip_body_is_inflated_as_before(server):
    response = _client(server).get("/small-gzip")
    assert response.status_code == 200 and response.content == b"<ok/>" * 1000
    assert "content-encoding" not in response.headers
