"""One HTTP seam per platform: clients that share the platform's rate limiter, quota,
retry policy, User-Agent, timeouts, and redacted logging.

Collectors ask `PlatformHTTP.client(base_url)` for a client instead of building one, so
every request a platform makes passes through `RateLimitedTransport`. A platform that talks
to several hosts (Hacker News: Algolia and Firebase) shares one budget unless a separate
`limiter_key` says the hosts are budgeted apart (one Mastodon instance per key).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from tracker import __version__
from tracker.clock import Clock
from tracker.collector import Limits
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
        self._clients: dict[tuple[str, str], httpx.Client] = {}
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
    ) -> httpx.Client:
        """The (cached) client for one base URL; all share this platform's budget by default."""
        key = (base_url, limiter_key)
        with self._lock:
            existing = self._clients.get(key)
        if existing is not None:
            return existing
        transport = RateLimitedTransport(
            self.platform,
            self.limits,
            self.bucket(limiter_key),
            self.clock,
            self.stats,
            inner=self.options.inner_transport(),
            retry=self.options.retry,
            quota=self.quota,
            sleep=self.options.sleep,
            credential=self.credential,
            redact=self.redact,
        )
        client = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(self.options.timeout_s, connect=min(5.0, self.options.timeout_s)),
            headers={"User-Agent": self.options.user_agent, "Accept": "application/json", **(headers or {})},
            auth=auth,
            follow_redirects=True,
            event_hooks={"response": [self._log_response]},
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
