"""One HTTP seam per platform: clients that share the platform's rate limiter, quota,
retry policy, User-Agent, timeouts, and redacted logging.

Collectors ask `PlatformHTTP.client(base_url)` for a client instead of building one, so
every request a platform makes passes through `RateLimitedTransport`. A platform that talks
to several hosts (Hacker News: Algolia and Firebase) shares one budget unless a separate
`limiter_key` says the hosts are budgeted apart (one Mastodon instance per key).

No answer may cost more memory than `HTTPOptions.max_body_bytes`: `BoundedBodyTransport`
inflates gzip and deflate itself, in small steps, while the body streams in, and stops the
moment the *decompressed* size passes the limit (a 1 MB gzip that inflates to 1 GiB is refused
after the limit, not after the gigabyte). A `request_guard` given to `client()` sees every
request, redirects included, so a platform can refuse hosts it must not reach.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import httpx

from tracker import __version__, netguard
from tracker.clock import Clock
from tracker.collector import Limits
from tracker.errors import BadResponse
from tracker.ratelimit import Bucket, QuotaMeter, RateLimitedTransport, RetryPolicy, Stats
from tracker.secrets import Redactor

USER_AGENT = (
    f"virality-tracker/{__version__} (+https://github.com/virality-tracker; newsroom engagement research)"
)

log = logging.getLogger("tracker.http")


@dataclass
class HTTPOptions:
    timeout_s: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    user_agent: str = USER_AGENT
    sleep: Callable[[float], None] = time.sleep
    # What finally sends a request (httpx's own transport); tests pass one that refuses.
    inner_transport: Callable[[], httpx.BaseTransport] = httpx.HTTPTransport
    # The sitemap protocol's per-file limit; no API answer we read is anywhere near it.
    max_body_bytes: int = 50 * 1024 * 1024
    # How public-only clients resolve a host name (tests pass one that answers what they need).
    resolve: netguard.Resolver = netguard.resolve_all


# Raw bytes fed to the inflater per step, and the most it may produce per call: the running
# total is checked every 256 KiB however well the body compresses.
_INFLATE_STEP = 4096
_INFLATE_OUT = 256 * 1024
_ENCODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class BodyTooLarge(BadResponse):
    """An answer whose (decompressed) body passed the size limit; nothing past it was kept."""


class PublicAddressTransport(httpx.BaseTransport):
    """Connects only to an address it has vetted: a host name is resolved once here, every
    address it has must be public (tracker.netguard), and the request goes to the first of them
    with its Host header, TLS SNI and certificate check still naming the host. So a name that
    answered a public address to a guard and a private one a moment later (DNS rebinding) cannot
    slip in between the check and the connect: there is no second lookup."""

    def __init__(
        self,
        platform: str,
        inner: httpx.BaseTransport,
        resolve: netguard.Resolver = netguard.resolve_all,
        vet: Callable[[netguard.IPAddress], str | None] = netguard.non_public,
    ) -> None:
        self.platform = platform
        self.inner = inner
        self.resolve = resolve
        self.vet = vet  # why an address may not be reached (None: it may)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = netguard.host_of(request.url.host)
        problem = netguard.literal_problem(host)
        if problem is None and netguard.literal_address(host) is None:
            try:
                addresses = self.resolve(host)
            except OSError as exc:
                raise httpx.ConnectError(
                    f"{host} does not resolve ({exc.strerror or exc})", request=request
                ) from None
            for text in addresses:
                reason = self.vet(ipaddress.ip_address(text.split("%", 1)[0]))
                if reason:
                    problem = f"{host} resolves to a {reason} address ({text})"
                    break
            if problem is None and addresses:
                pinned = httpx.Request(
                    request.method,
                    request.url.copy_with(host=addresses[0].split("%", 1)[0]),
                    headers=request.headers,  # Host: still the name
                    stream=request.stream,
                    extensions={**request.extensions, "sni_hostname": host},
                )
                return self.inner.handle_request(pinned)
        if problem:
            raise BadResponse(self.platform, 0, f"{problem}: not fetched", "refused")
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class BoundedBodyTransport(httpx.BaseTransport):
    """Decompresses bodies itself and refuses any that grow past `max_bytes` while streaming."""

    def __init__(self, platform: str, max_bytes: int, inner: httpx.BaseTransport | None = None) -> None:
        self.platform = platform
        self.max_bytes = max_bytes
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Accept-Encoding"] = "gzip, deflate"
        response = self.inner.handle_request(request)
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity", *_ENCODINGS):
            response.close()
            raise BadResponse(
                self.platform, response.status_code, f"Content-Encoding {encoding[:30]!r}", "unsupported"
            )
        headers = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length")
        ]
        stream = _BoundedStream(self, response, _ENCODINGS.get(encoding))
        return httpx.Response(
            response.status_code, headers=headers, stream=stream, extensions=response.extensions
        )

    def close(self) -> None:
        self.inner.close()


class _BoundedStream(httpx.SyncByteStream):
    def __init__(self, owner: BoundedBodyTransport, response: httpx.Response, wbits: int | None) -> None:
        self.owner = owner
        self.response = response
        self.wbits = wbits
        self.seen = 0  # decompressed bytes passed on so far

    def __iter__(self) -> Iterator[bytes]:
        inflater = zlib.decompressobj(self.wbits) if self.wbits is not None else None
        for raw in self.response.iter_raw():
            if inflater is None:
                yield self._count(raw)
                continue
            for start in range(0, len(raw), _INFLATE_STEP):
                data = raw[start : start + _INFLATE_STEP]
                while data:
                    try:
                        out = inflater.decompress(data, _INFLATE_OUT)
                    except zlib.error as exc:
                        raise BadResponse(
                            self.owner.platform, self.response.status_code, str(exc), "bad compressed body"
                        ) from None
                    data = inflater.unconsumed_tail
                    if out:
                        yield self._count(out)
        if inflater is not None and (rest := inflater.flush()):
            yield self._count(rest)

    def _count(self, chunk: bytes) -> bytes:
        self.seen += len(chunk)
        if self.seen > self.owner.max_bytes:
            self.close()
            raise BodyTooLarge(
                self.owner.platform,
                self.response.status_code,
                f"body passed {self.owner.max_bytes} bytes (decompressed); refused while reading",
                "too large",
            )
        return chunk

    def close(self) -> None:
        self.response.close()


class PlatformHTTP:
    """Builds and caches the httpx clients of one platform."""

    def __init__(
        self,
        platform: str,
        limits: Limits,
        clock: Clock,
        redactor: Redactor,
        options: HTTPOptions | None = None,
        credential: str = "credentials",
    ) -> None:
        self.platform = platform
        self.credential = credential  # env var names, for refusals ("X_BEARER_TOKEN refused")
        self.limits = limits
        self.clock = clock
        self.redact = redactor
        self.options = options or HTTPOptions()
        self.stats = Stats()
        self.quota = (
            QuotaMeter(limits.quota_per_day, limits.quota_reset_tz, clock) if limits.quota_per_day else None
        )
        self._buckets: dict[str, Bucket] = {}
        self._clients: dict[tuple[str, str, bool], httpx.Client] = {}
        self._lock = threading.Lock()
        self._log = logging.getLogger(f"tracker.collectors.{platform}")

    def bucket(self, limiter_key: str = "") -> Bucket:
        with self._lock:
            if limiter_key not in self._buckets:
                self._buckets[limiter_key] = Bucket.for_limits(self.limits, time.monotonic())
            return self._buckets[limiter_key]

    def client(
        self,
        base_url: str,
        limiter_key: str = "",
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        request_guard: Callable[[httpx.Request], None] | None = None,
        public_only: bool = False,
    ) -> httpx.Client:
        """The (cached) client for one base URL; all share this platform's budget by default.
        `request_guard` is called with every request, each redirect hop included, and may raise;
        `public_only` clients connect only to public addresses they resolved and vetted
        themselves (PublicAddressTransport), so DNS cannot change between check and connect."""
        key = (base_url, limiter_key, public_only)
        with self._lock:
            existing = self._clients.get(key)
        if existing is not None:
            return existing
        sender = self.options.inner_transport()
        if public_only:
            sender = PublicAddressTransport(self.platform, sender, self.options.resolve)
        transport = RateLimitedTransport(
            self.platform,
            self.limits,
            self.bucket(limiter_key),
            self.clock,
            self.stats,
            retry=self.options.retry,
            quota=self.quota,
            sleep=self.options.sleep,
            credential=self.credential,
            redact=self.redact,
            inner=BoundedBodyTransport(self.platform, self.options.max_body_bytes, sender),
        )
        client = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(self.options.timeout_s, connect=min(5.0, self.options.timeout_s)),
            headers={"User-Agent": self.options.user_agent, "Accept": "application/json", **(headers or {})},
            auth=auth,
            follow_redirects=True,
            event_hooks={
                "request": [request_guard] if request_guard else [],
                "response": [self._log_response],
            },
        )
        with self._lock:
            return self._clients.setdefault(key, client)

    def _log_response(self, response: httpx.Response) -> None:
        request = response.request
        self._log.debug("%s %s -> %s", request.method, self.redact(str(request.url)), response.status_code)

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()
