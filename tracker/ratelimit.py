"""Rate limits, quotas and retries, applied once at the HTTP seam for every platform.

`RateLimitedTransport` wraps httpx's transport. Before a request it takes a token from the
platform's bucket (waiting only briefly), and refuses with `RateLimited(retry_at)` when the
platform is throttled until later, so no worker thread sleeps for minutes and the scheduler
sees the wait. After a response it reads the platform's own rate-limit signals:

    ietf      RateLimit-Remaining / RateLimit-Reset (Bluesky sends epoch seconds there)
    x         x-rate-limit-remaining / x-rate-limit-reset (epoch seconds)
    reddit    x-ratelimit-remaining (a float string) / x-ratelimit-reset (seconds until reset)
    mastodon  X-RateLimit-Remaining / X-RateLimit-Reset (ISO-8601 timestamp)
    facebook  x-app-usage JSON percentages (100 means throttled); x-business-use-case-usage
              carries `estimated_time_to_regain_access` (minutes), honoured as the reset

plus Retry-After (seconds or an HTTP date) everywhere. A throttle whose reset is already past
(clock skew, a stale header) still waits `MIN_THROTTLE_BACKOFF`, never retries at once.
Refusals written in an error body (Facebook's codes, Google's reasons, X's 403) are read by the
platform's `error_style` (`tracker.errorstyles`) and raised here as RateLimited or AuthFailed.
Reset values are parsed by shape, not trusted to follow the family's convention, because real
services mix them up. 5xx answers, timeouts and connection errors get bounded exponential
backoff with full jitter.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import httpx

from tracker.clock import Clock
from tracker.collector import Limits
from tracker.errors import AuthFailed, RateLimited, Unreachable
from tracker.errorstyles import FACEBOOK_BACKOFF, Refusal, read_refusal
from tracker.secrets import Redactor

RETRYABLE_STATUS = frozenset({500, 502, 503, 504, 520, 522, 524})
_EPOCH_THRESHOLD = 1_000_000_000  # a "reset" number this large is a Unix time, not a delay
# A throttle whose reset is already past (skewed clocks, a stale header) waits this long at least.
MIN_THROTTLE_BACKOFF = timedelta(seconds=30)
# Facebook usage-header keys that are durations, not percentages of the budget.
_FACEBOOK_REGAIN_MINUTES = "estimated_time_to_regain_access"
_FACEBOOK_RESET_SECONDS = "reset_time_duration"


def parse_reset(value: str | None, now: datetime) -> datetime | None:
    """A reset/retry value as seconds-from-now, epoch seconds, ISO-8601 or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if number != number or number < 0:  # NaN or negative
            return None
        if number >= _EPOCH_THRESHOLD:
            try:
                return datetime.fromtimestamp(number, UTC)
            except (OverflowError, ValueError, OSError):  # "inf", "1e300": garbage, not a time
                return None
        return now + timedelta(seconds=number)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


@dataclass
class Signals:
    """What one response says about the budget."""

    remaining: float | None = None
    reset_at: datetime | None = None
    throttled: bool = False


_HEADER_FAMILIES = {
    "ietf": ("ratelimit-remaining", "ratelimit-reset"),
    "x": ("x-rate-limit-remaining", "x-rate-limit-reset"),
    "reddit": ("x-ratelimit-remaining", "x-ratelimit-reset"),
    "mastodon": ("x-ratelimit-remaining", "x-ratelimit-reset"),
}


def read_signals(style: str, response: httpx.Response, now: datetime) -> Signals:
    """Parse the platform's rate-limit headers from a response."""
    headers = response.headers
    signals = Signals()
    family = _HEADER_FAMILIES.get(style)
    if family:
        signals.remaining = _float(headers.get(family[0]))
        signals.reset_at = parse_reset(headers.get(family[1]), now)
    elif style == "facebook":
        _read_facebook(response, now, signals)
    retry_after = parse_reset(headers.get("retry-after"), now)
    if retry_after is not None:
        signals.reset_at = max(retry_after, signals.reset_at or retry_after)
    if response.status_code == 429:
        signals.throttled = True
    if signals.remaining is not None and signals.remaining < 1 and signals.reset_at is not None:
        signals.throttled = True
    if signals.throttled and signals.reset_at is not None and signals.reset_at <= now:
        signals.reset_at = now + MIN_THROTTLE_BACKOFF
    return signals


def _read_facebook(response: httpx.Response, now: datetime, signals: Signals) -> None:
    # Graph API usage headers carry percentages of the hourly budget; 100 means throttled. The
    # business-use-case header also says, in minutes, when a throttled app regains access.
    usage_pct = 0.0
    regain_s = 0.0
    for header in ("x-app-usage", "x-business-use-case-usage", "x-ad-account-usage"):
        raw = response.headers.get(header)
        if not raw:
            continue
        try:
            usage = json.loads(raw)
        except ValueError:
            continue
        percentages, waits = _facebook_usage(usage)
        usage_pct = max([usage_pct, *percentages])
        regain_s = max([regain_s, *waits])
    if usage_pct:
        signals.remaining = max(0.0, 100.0 - usage_pct)
    if regain_s > 0:
        signals.throttled = True
        signals.remaining = 0.0
        signals.reset_at = now + timedelta(seconds=regain_s)
    elif usage_pct >= 100:
        signals.throttled = True
        # The Graph API budget is a rolling hour; back off a few minutes and ask again.
        signals.reset_at = signals.reset_at or now + FACEBOOK_BACKOFF


_MAX_REGAIN_S = 7 * 86400.0  # a week: anything longer is garbage, not a wait


def _facebook_usage(value: object) -> tuple[list[float], list[float]]:
    """Usage percentages and waits (seconds) found anywhere in a Graph usage header's JSON."""
    percentages: list[float] = []
    waits: list[float] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in (_FACEBOOK_REGAIN_MINUTES, _FACEBOOK_RESET_SECONDS):
                scale = 60.0 if key == _FACEBOOK_REGAIN_MINUTES else 1.0
                waits += [min(n * scale, _MAX_REGAIN_S) for n in _numbers(item) if n > 0]
            else:
                more_pct, more_waits = _facebook_usage(item)
                percentages += more_pct
                waits += more_waits
    elif isinstance(value, list):
        for item in value:
            more_pct, more_waits = _facebook_usage(item)
            percentages += more_pct
            waits += more_waits
    else:
        percentages += _numbers(value)
    return percentages, waits


def _numbers(value: object) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)] if value == value and abs(value) != float("inf") else []
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


@dataclass
class Bucket:
    """A token bucket for one platform and credential, plus the platform's own word on resets."""

    capacity: float
    refill_per_s: float
    tokens: float
    updated: float  # monotonic seconds
    blocked_until: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def for_limits(cls, limits: Limits, now_mono: float) -> Bucket:
        capacity = max(1.0, float(limits.requests))
        return cls(capacity, capacity / limits.per_seconds, capacity, now_mono)

    def take(self, now_mono: float, now: datetime, max_wait_s: float) -> float | datetime:
        """Take a token: returns seconds to wait first, or the time to retry when too far off."""
        with self.lock:
            if self.blocked_until is not None:
                if self.blocked_until > now:
                    wait = (self.blocked_until - now).total_seconds()
                    if wait > max_wait_s:
                        return self.blocked_until
                    self.blocked_until = None
                    return wait
                self.blocked_until = None
            self.tokens = min(self.capacity, self.tokens + (now_mono - self.updated) * self.refill_per_s)
            self.updated = now_mono
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            wait = (1 - self.tokens) / self.refill_per_s
            if wait > max_wait_s:
                return now + timedelta(seconds=wait)
            self.tokens -= 1
            return wait

    def block(self, until: datetime) -> None:
        with self.lock:
            if self.blocked_until is None or until > self.blocked_until:
                self.blocked_until = until


class QuotaMeter:
    """Counts units spent against a daily quota that resets at midnight in a time zone."""

    def __init__(self, per_day: int, reset_tz: str, clock: Clock) -> None:
        self.per_day = per_day
        self.tz = ZoneInfo(reset_tz)
        self.clock = clock
        self.spent = 0
        self._day = self._day_of(clock.now())
        self._lock = threading.Lock()

    def _day_of(self, now: datetime) -> datetime:
        local = now.astimezone(self.tz)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)

    def day_start(self) -> datetime:
        return self._day_of(self.clock.now()).astimezone(UTC)

    def next_reset(self) -> datetime:
        return next_quota_reset(self.tz, self.clock.now())

    def restore(self, spent: int) -> None:
        """Carry over units already spent today (read back from the runs table at start)."""
        with self._lock:
            self.spent = max(self.spent, spent)

    def spend(self, platform: str, units: int) -> None:
        with self._lock:
            day = self._day_of(self.clock.now())
            if day != self._day:
                self._day, self.spent = day, 0
            if self.spent + units > self.per_day:
                raise RateLimited(platform, self.next_reset(), f"daily quota of {self.per_day} units spent")
            self.spent += units


def next_quota_reset(tz: ZoneInfo, now: datetime) -> datetime:
    """The next local midnight in the quota's time zone, in UTC."""
    start = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    # ZoneInfo arithmetic is wall-clock, so this is the next local midnight across DST changes.
    return (start + timedelta(days=1)).astimezone(UTC)


@dataclass
class RetryPolicy:
    attempts: int = 3
    base_s: float = 0.5
    cap_s: float = 8.0
    max_wait_s: float = 2.0  # longest the bucket may make a request wait in-thread


@dataclass
class Stats:
    """Per-platform counters the runner reads into the runs table."""

    requests: int = 0
    rate_limit_waits: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bump(self, name: str, by: int = 1) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + by)

    def snapshot_and_reset(self) -> dict[str, int]:
        with self.lock:
            out = {
                "requests": self.requests,
                "rate_limit_waits": self.rate_limit_waits,
                "retries": self.retries,
            }
            self.requests = self.rate_limit_waits = self.retries = 0
            return out


class RateLimitedTransport(httpx.BaseTransport):
    """httpx transport that enforces one platform's budget and retries transient failures."""

    def __init__(
        self,
        platform: str,
        limits: Limits,
        bucket: Bucket,
        clock: Clock,
        stats: Stats,
        inner: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        quota: QuotaMeter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        credential: str = "credentials",
        redact: Redactor | None = None,
    ) -> None:
        self.platform = platform
        self.limits = limits
        self.bucket = bucket
        self.clock = clock
        self.stats = stats
        self.inner = inner or httpx.HTTPTransport()
        self.retry = retry or RetryPolicy()
        self.quota = quota
        self.sleep = sleep
        self.monotonic = monotonic
        self.credential = credential  # how refusals name the credentials (env var names)
        self.redact = redact

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        last_problem = ""
        for attempt in range(1, self.retry.attempts + 1):
            self._wait_for_token()
            if self.quota is not None:
                self.quota.spend(self.platform, self.limits.quota_cost)
            self.stats.bump("requests")
            try:
                response = self.inner.handle_request(request)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                last_problem = _describe_transport_error(exc, request.url)
            else:
                signals = read_signals(self.limits.header_style, response, self.clock.now())
                refusal = read_refusal(self.limits.error_style, response, self.credential, self.redact)
                if refusal is not None:
                    response.close()
                    raise self._refused(refusal, signals)
                if signals.reset_at is not None and (signals.throttled or response.status_code == 429):
                    self.bucket.block(signals.reset_at)
                if signals.throttled and response.status_code >= 400:
                    response.close()
                    self.stats.bump("rate_limit_waits")
                    retry_at = signals.reset_at or self.clock.now() + timedelta(seconds=60)
                    raise RateLimited(self.platform, retry_at, f"HTTP {response.status_code} throttled")
                if response.status_code not in RETRYABLE_STATUS:
                    return response
                last_problem = f"HTTP {response.status_code}"
                response.close()
            if attempt < self.retry.attempts:
                self.stats.bump("retries")
                self.sleep(random.uniform(0, min(self.retry.cap_s, self.retry.base_s * 2 ** (attempt - 1))))
        raise Unreachable(self.platform, f"{last_problem} after {self.retry.attempts} tries")

    def _refused(self, refusal: Refusal, signals: Signals) -> AuthFailed | RateLimited:
        """The error a refusal in the platform's error style stands for; throttling blocks the bucket."""
        if refusal.kind == "auth":
            return AuthFailed(self.platform, refusal.detail)
        now = self.clock.now()
        if refusal.kind == "quota":
            if self.quota is not None:
                # The platform says the day's units are gone (perhaps spent elsewhere): stop asking.
                self.quota.restore(self.quota.per_day)
                retry_at = self.quota.next_reset()
            else:
                retry_at = next_quota_reset(ZoneInfo(self.limits.quota_reset_tz), now)
        else:
            retry_at = signals.reset_at or now + refusal.backoff
            self.bucket.block(retry_at)
        self.stats.bump("rate_limit_waits")
        return RateLimited(self.platform, retry_at, refusal.detail)

    def _wait_for_token(self) -> None:
        outcome = self.bucket.take(self.monotonic(), self.clock.now(), self.retry.max_wait_s)
        if isinstance(outcome, datetime):
            self.stats.bump("rate_limit_waits")
            raise RateLimited(self.platform, outcome, "request budget spent")
        if outcome > 0:
            self.stats.bump("rate_limit_waits")
            self.sleep(outcome)

    def close(self) -> None:
        self.inner.close()


def _describe_transport_error(exc: Exception, url: httpx.URL) -> str:
    """What went wrong and with which host (never the path or query: they may carry keys)."""
    host = f"{url.host}:{url.port}" if url.port else url.host
    if isinstance(exc, httpx.TimeoutException):
        return f"{host} timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"{host}: connection refused or host unreachable"
    return f"{host}: network error ({type(exc).__name__})"
