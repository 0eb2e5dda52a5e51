"""The HTTP seam's rate-limit logic (tracker.ratelimit): reset parsing, each platform's header
family read from the real shared samples, the token bucket, the daily quota, and the transport's
retries. httpx.MockTransport stands in for the network as the INNER transport only."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tracker.clock import FrozenClock
from tracker.collector import Limits
from tracker.errors import AuthFailed, RateLimited, Unreachable
from tracker.errorstyles import read_refusal
from tracker.ratelimit import (
    MIN_THROTTLE_BACKOFF,
    Bucket,
    QuotaMeter,
    RateLimitedTransport,
    RetryPolicy,
    Stats,
    parse_reset,
    read_signals,
)

NOW = datetime(2025, 5, 12, 9, 50, tzinfo=UTC)  # shortly before the samples' reset times


def sample_response(shared_dir: Path, platform: str, name: str) -> httpx.Response:
    """A real httpx.Response carrying a shared sample's status, headers and body."""
    folder = shared_dir / "api-samples" / platform
    meta = json.loads((folder / f"{name}.meta.json").read_text(encoding="utf-8"))
    body = (folder / f"{name}.json").read_bytes()
    request = httpx.Request(meta["method"], "https://api.example" + meta["path_and_query"])
    return httpx.Response(meta["status"], headers=meta["headers"], content=body, request=request)


def sample_header(shared_dir: Path, platform: str, name: str, header: str) -> str:
    meta = json.loads(
        (shared_dir / "api-samples" / platform / f"{name}.meta.json").read_text(encoding="utf-8")
    )
    value: str = {k.lower(): v for k, v in meta["headers"].items()}[header]
    return value


# --- parse_reset --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", NOW + timedelta(seconds=30)),
        (" 388 ", NOW + timedelta(seconds=388)),
        ("1.5", NOW + timedelta(seconds=1.5)),
        ("0", NOW),
        ("1747044600", datetime(2025, 5, 12, 10, 10, tzinfo=UTC)),  # epoch seconds (Bluesky, X)
        ("1747044600.25", datetime(2025, 5, 12, 10, 10, 0, 250000, tzinfo=UTC)),
        ("2025-05-12T12:10:00Z", datetime(2025, 5, 12, 12, 10, tzinfo=UTC)),
        ("2025-05-12T12:10:00.000000Z", datetime(2025, 5, 12, 12, 10, tzinfo=UTC)),  # Mastodon
        ("2025-05-12T12:05:00.311482Z", datetime(2025, 5, 12, 12, 5, 0, 311482, tzinfo=UTC)),
        ("2025-05-12T14:10:00+02:00", datetime(2025, 5, 12, 12, 10, tzinfo=UTC)),
        ("2025-05-12T08:10:00.5-04:00", datetime(2025, 5, 12, 12, 10, 0, 500000, tzinfo=UTC)),
        ("2025-05-12T12:10:00", datetime(2025, 5, 12, 12, 10, tzinfo=UTC)),  # naive = UTC
        ("Mon, 12 May 2025 12:10:00 GMT", datetime(2025, 5, 12, 12, 10, tzinfo=UTC)),  # Retry-After date
        ("Mon, 12 May 2025 14:10:00 +0200", datetime(2025, 5, 12, 12, 10, tzinfo=UTC)),
    ],
)
def test_parse_reset_understands_every_shape(value: str, expected: datetime) -> None:
    parsed = parse_reset(value, NOW)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "soon",
        "12 13 14",
        "-5",
        "-0.5",
        "-1747044600",
        "nan",
        "-inf",
        "inf",
        "1e300",
        "99999999999999",
        "2025-13-45T99:00:00Z",
        "Mon, 32 Foo 2025",
    ],
)
def test_parse_reset_gives_none_for_garbage_and_negative_values(value: str | None) -> None:
    assert parse_reset(value, NOW) is None


# --- read_signals, from the real samples --------------------------------------------------------


def test_ietf_signals_from_bluesky_use_the_epoch_reset(shared_dir: Path) -> None:
    response = sample_response(shared_dir, "bluesky", "getPosts")
    signals = read_signals("ietf", response, NOW)
    assert signals.remaining == 2985
    assert signals.reset_at == datetime(2025, 5, 12, 10, 10, tzinfo=UTC)
    assert not signals.throttled and read_refusal("plain", response) is None


def test_ietf_signals_from_a_bluesky_429_are_throttled(shared_dir: Path) -> None:
    signals = read_signals("ietf", sample_response(shared_dir, "bluesky", "rate_limited_429"), NOW)
    assert signals.throttled
    assert signals.remaining == 0
    assert signals.reset_at == parse_reset(
        sample_header(shared_dir, "bluesky", "rate_limited_429", "ratelimit-reset"), NOW
    )


def test_x_signals(shared_dir: Path) -> None:
    ok = read_signals("x", sample_response(shared_dir, "x", "tweets_lookup"), NOW)
    assert ok.remaining == 13
    assert ok.reset_at == datetime(2025, 5, 12, 9, 55, tzinfo=UTC)
    assert not ok.throttled
    limited = read_signals("x", sample_response(shared_dir, "x", "rate_limited_429"), NOW)
    assert limited.throttled and limited.remaining == 0
    assert limited.reset_at == datetime(2025, 5, 12, 9, 55, tzinfo=UTC)


def test_reddit_signals_have_float_remaining_and_seconds_until_reset(shared_dir: Path) -> None:
    ok = read_signals("reddit", sample_response(shared_dir, "reddit", "by_id_t3"), NOW)
    assert ok.remaining == 94.0
    assert ok.reset_at == NOW + timedelta(seconds=388)
    assert not ok.throttled
    limited = read_signals("reddit", sample_response(shared_dir, "reddit", "rate_limited_429"), NOW)
    assert sample_header(shared_dir, "reddit", "rate_limited_429", "x-ratelimit-remaining") == "0.0"
    assert limited.remaining == 0.0
    assert limited.reset_at == NOW + timedelta(seconds=212)
    assert limited.throttled


def test_reddit_remaining_zero_on_a_200_is_throttled_too(shared_dir: Path) -> None:
    response = httpx.Response(200, headers={"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "212"})
    signals = read_signals("reddit", response, NOW)
    assert signals.throttled and signals.reset_at == NOW + timedelta(seconds=212)


def test_mastodon_signals_have_an_iso_reset(shared_dir: Path) -> None:
    ok = read_signals("mastodon", sample_response(shared_dir, "mastodon", "status"), NOW)
    assert ok.remaining == 296
    assert ok.reset_at == datetime(2025, 5, 12, 12, 5, 0, 311482, tzinfo=UTC)
    limited = read_signals("mastodon", sample_response(shared_dir, "mastodon", "rate_limited_429"), NOW)
    assert limited.throttled
    assert limited.reset_at == datetime(2025, 5, 12, 12, 10, tzinfo=UTC)


def test_retry_after_wins_when_it_is_later_than_the_reset_header(shared_dir: Path) -> None:
    response = sample_response(shared_dir, "x", "rate_limited_429")
    response.headers["Retry-After"] = "900"
    assert read_signals("x", response, NOW).reset_at == NOW + timedelta(seconds=900)
    response.headers["Retry-After"] = "Mon, 12 May 2025 09:51:00 GMT"  # earlier than x-rate-limit-reset
    assert read_signals("x", response, NOW).reset_at == datetime(2025, 5, 12, 9, 55, tzinfo=UTC)


def test_facebook_app_usage_below_100_is_remaining_budget(shared_dir: Path) -> None:
    signals = read_signals("facebook", sample_response(shared_dir, "facebook", "engagement_batch_ids"), NOW)
    assert signals.remaining == 91.0  # call_count 9% of the hourly budget used
    assert not signals.throttled and signals.reset_at is None


def test_facebook_app_usage_at_100_is_throttled(shared_dir: Path) -> None:
    response = sample_response(shared_dir, "facebook", "engagement_single")
    response.headers["x-app-usage"] = '{"call_count":100,"total_cputime":12,"total_time":40}'
    signals = read_signals("facebook", response, NOW)
    assert signals.throttled and signals.remaining == 0.0
    assert signals.reset_at == NOW + timedelta(minutes=5)


def facebook_error(code: int, status: int = 400) -> httpx.Response:
    body = {
        "error": {
            "message": f"(#{code}) Application request limit reached",
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "AZ3q0xHdJ7vP2oRk1sW9aLm",
        }
    }
    return httpx.Response(status, json=body, headers={"x-app-usage": '{"call_count":12}'})


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_facebook_throttle_error_codes_are_throttled(code: int) -> None:
    refusal = read_refusal("facebook", facebook_error(code))
    assert refusal is not None and refusal.kind == "throttled"
    assert refusal.backoff == timedelta(minutes=5)


def test_facebook_error_190_is_an_auth_failure() -> None:
    refusal = read_refusal("facebook", facebook_error(190, status=401))
    assert refusal is not None and refusal.kind == "auth" and "190" in refusal.detail


def test_facebook_other_errors_and_broken_bodies_are_neither() -> None:
    for response in (facebook_error(100), httpx.Response(500, content=b"<html>oops</html>")):
        signals = read_signals("facebook", response, NOW)
        assert not signals.throttled and read_refusal("facebook", response) is None


def test_garbage_headers_give_no_signals() -> None:
    response = httpx.Response(200, headers={"x-rate-limit-remaining": "lots", "x-rate-limit-reset": "inf"})
    signals = read_signals("x", response, NOW)
    assert signals.remaining is None and signals.reset_at is None and not signals.throttled


# --- Bucket -------------------------------------------------------------------------------------


def test_bucket_starts_full_and_then_asks_to_wait() -> None:
    bucket = Bucket.for_limits(Limits(requests=2, per_seconds=10, max_batch=1), now_mono=0.0)
    assert bucket.capacity == 2 and bucket.refill_per_s == 0.2
    assert bucket.take(0.0, NOW, max_wait_s=10) == 0.0
    assert bucket.take(0.0, NOW, max_wait_s=10) == 0.0
    assert bucket.take(0.0, NOW, max_wait_s=10) == pytest.approx(5.0)  # one token refills in 5 s


def test_bucket_returns_a_time_when_the_wait_is_too_long() -> None:
    bucket = Bucket.for_limits(Limits(requests=1, per_seconds=60, max_batch=1), now_mono=0.0)
    assert bucket.take(0.0, NOW, max_wait_s=2) == 0.0
    outcome = bucket.take(0.0, NOW, max_wait_s=2)
    assert outcome == NOW + timedelta(seconds=60)
    assert bucket.take(30.0, NOW, max_wait_s=2) == NOW + timedelta(seconds=30)  # a refused take costs nothing


def test_bucket_refills_over_time_up_to_capacity() -> None:
    bucket = Bucket.for_limits(Limits(requests=3, per_seconds=3, max_batch=1), now_mono=0.0)
    for _ in range(3):
        assert bucket.take(0.0, NOW, max_wait_s=0) == 0.0
    assert isinstance(bucket.take(0.0, NOW, max_wait_s=0), datetime)
    assert bucket.take(1.0, NOW, max_wait_s=0) == 0.0  # one second = one token
    bucket.take(1000.0, NOW, max_wait_s=0)
    assert bucket.tokens == 2.0  # refilled to capacity 3, not 1000, then one taken


def test_blocked_bucket_refuses_until_the_platform_reset() -> None:
    bucket = Bucket.for_limits(Limits(requests=100, per_seconds=60, max_batch=1), now_mono=0.0)
    until = NOW + timedelta(minutes=5)
    bucket.block(until)
    bucket.block(NOW + timedelta(minutes=1))  # an earlier reset never shortens the block
    assert bucket.blocked_until == until
    assert bucket.take(0.0, NOW, max_wait_s=2) == until
    assert bucket.take(0.0, until - timedelta(seconds=1), max_wait_s=2) == pytest.approx(1.0)
    assert bucket.blocked_until is None
    assert bucket.take(0.0, until + timedelta(seconds=1), max_wait_s=2) == 0.0


# --- QuotaMeter ---------------------------------------------------------------------------------


def test_quota_spends_units_and_refuses_until_midnight_pacific() -> None:
    clock = FrozenClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))  # 04:00 PST
    quota = QuotaMeter(10_000, "America/Los_Angeles", clock)
    quota.spend("youtube", 9_999)
    quota.spend("youtube", 1)
    with pytest.raises(RateLimited) as info:
        quota.spend("youtube", 1)
    assert info.value.retry_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # midnight PST
    assert info.value.platform == "youtube" and "10000" in str(info.value)
    assert quota.spent == 10_000


def test_quota_resets_the_next_pacific_day() -> None:
    clock = FrozenClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    quota = QuotaMeter(100, "America/Los_Angeles", clock)
    quota.spend("youtube", 100)
    clock.advance((datetime(2026, 11, 21, 7, 59, tzinfo=UTC) - clock.now()).total_seconds())
    with pytest.raises(RateLimited):  # 23:59 PST: still the same quota day
        quota.spend("youtube", 1)
    clock.advance(60)
    quota.spend("youtube", 1)
    assert quota.spent == 1
    assert quota.day_start() == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def test_quota_reset_follows_the_autumn_dst_change() -> None:
    # US DST ends 2026-11-01 at 02:00 PDT: that Pacific day is 25 hours long.
    clock = FrozenClock(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))  # 04:00 PST
    quota = QuotaMeter(1, "America/Los_Angeles", clock)
    assert quota.day_start() == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)  # midnight PDT
    quota.spend("youtube", 1)
    with pytest.raises(RateLimited) as info:
        quota.spend("youtube", 1)
    assert info.value.retry_at == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # midnight PST, not 07:00
    clock.advance((datetime(2026, 11, 2, 7, 30, tzinfo=UTC) - clock.now()).total_seconds())
    with pytest.raises(RateLimited):  # 23:30 PST on Nov 1: 24 h after midnight but the same day
        quota.spend("youtube", 1)
    clock.advance(3600)
    quota.spend("youtube", 1)


def test_quota_reset_follows_the_spring_dst_change() -> None:
    # US DST starts 2026-03-08 at 02:00 PST: that Pacific day is 23 hours long.
    clock = FrozenClock(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))  # 05:00 PDT
    quota = QuotaMeter(1, "America/Los_Angeles", clock)
    quota.spend("youtube", 1)
    with pytest.raises(RateLimited) as info:
        quota.spend("youtube", 1)
    assert info.value.retry_at == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # midnight PDT, not 08:00
    clock.advance((info.value.retry_at - clock.now()).total_seconds())
    quota.spend("youtube", 1)


def test_quota_restore_carries_units_spent_earlier_today() -> None:
    quota = QuotaMeter(10, "America/Los_Angeles", FrozenClock(NOW))
    quota.restore(9)
    quota.restore(3)  # never lowers what was already counted
    quota.spend("youtube", 1)
    with pytest.raises(RateLimited):
        quota.spend("youtube", 1)


# --- RateLimitedTransport -----------------------------------------------------------------------


class Rig:
    """A RateLimitedTransport over a MockTransport that answers from a script, recording sleeps."""

    def __init__(
        self,
        script: list[Callable[[httpx.Request], httpx.Response]],
        limits: Limits | None = None,
        retry: RetryPolicy | None = None,
        clock: FrozenClock | None = None,
    ) -> None:
        self.limits = limits or Limits(requests=100, per_seconds=60, max_batch=100, header_style="ietf")
        self.clock = clock or FrozenClock(NOW)
        self.script = list(script)
        self.calls = 0
        self.sleeps: list[float] = []
        self.stats = Stats()
        self.bucket = Bucket.for_limits(self.limits, 0.0)
        self.transport = RateLimitedTransport(
            "x",
            self.limits,
            self.bucket,
            self.clock,
            self.stats,
            inner=httpx.MockTransport(self._answer),
            retry=retry or RetryPolicy(attempts=3, base_s=0.5, cap_s=8.0, max_wait_s=2.0),
            sleep=self.sleeps.append,
            monotonic=lambda: 0.0,
        )
        self.client = httpx.Client(transport=self.transport, base_url="https://api.x.com")

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return self.script.pop(0)(request)

    def get(self) -> httpx.Response:
        return self.client.get("/2/tweets", params={"ids": "1"})


def status(
    code: int, headers: dict[str, str] | None = None, body: Any = None
) -> Callable[..., httpx.Response]:
    return lambda request: httpx.Response(code, headers=headers, json=body if body is not None else {})


def raises(exc_type: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        raise exc_type("simulated", request=request)

    return answer


def test_429_with_retry_after_raises_and_blocks_the_bucket() -> None:
    rig = Rig([status(429, {"Retry-After": "120"}, {"error": "RateLimitExceeded"})])
    with pytest.raises(RateLimited) as info:
        rig.get()
    assert info.value.retry_at == NOW + timedelta(seconds=120)
    assert rig.bucket.blocked_until == NOW + timedelta(seconds=120)
    with pytest.raises(RateLimited) as again:
        rig.get()
    assert again.value.retry_at == NOW + timedelta(seconds=120)
    assert rig.calls == 1  # the second request never reached the network
    assert rig.sleeps == []
    assert rig.stats.snapshot_and_reset() == {"requests": 1, "rate_limit_waits": 2, "retries": 0}


def test_429_with_an_http_date_retry_after() -> None:
    rig = Rig([status(429, {"Retry-After": "Mon, 12 May 2025 10:00:00 GMT"})])
    with pytest.raises(RateLimited) as info:
        rig.get()
    assert info.value.retry_at == datetime(2025, 5, 12, 10, 0, tzinfo=UTC)


def test_429_from_the_x_sample_retries_at_its_reset(shared_dir: Path) -> None:
    sample = sample_response(shared_dir, "x", "rate_limited_429")
    limits = Limits(requests=15, per_seconds=900, max_batch=100, header_style="x")
    rig = Rig([lambda request: httpx.Response(429, headers=sample.headers, content=sample.content)], limits)
    with pytest.raises(RateLimited) as info:
        rig.get()
    assert info.value.retry_at == datetime(2025, 5, 12, 9, 55, tzinfo=UTC)


def test_429_without_any_reset_waits_a_minute() -> None:
    rig = Rig([status(429)])
    with pytest.raises(RateLimited) as info:
        rig.get()
    assert info.value.retry_at == NOW + timedelta(seconds=60)


def test_a_200_with_nothing_remaining_is_returned_but_blocks_the_next_request() -> None:
    reset = str(int((NOW + timedelta(minutes=10)).timestamp()))
    limits = Limits(requests=15, per_seconds=900, max_batch=100, header_style="x")
    rig = Rig(
        [status(200, {"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}, {"data": []})], limits
    )
    assert rig.get().json() == {"data": []}
    with pytest.raises(RateLimited) as info:
        rig.get()
    assert info.value.retry_at == NOW + timedelta(minutes=10)
    assert rig.calls == 1


def test_5xx_twice_then_success_retries_with_bounded_jittered_backoff() -> None:
    delays: list[list[float]] = []
    for _ in range(30):
        rig = Rig(
            [status(503), status(503), status(200, body={"data": [1]})],
            retry=RetryPolicy(attempts=3, base_s=1.0, cap_s=1.5, max_wait_s=2.0),
        )
        assert rig.get().json() == {"data": [1]}
        assert rig.calls == 3
        assert len(rig.sleeps) == 2
        assert 0 <= rig.sleeps[0] <= 1.0  # base * 2**0
        assert 0 <= rig.sleeps[1] <= 1.5  # base * 2**1 = 2.0, capped at 1.5
        assert rig.stats.snapshot_and_reset() == {"requests": 3, "rate_limit_waits": 0, "retries": 2}
        delays.append(rig.sleeps)
    assert len({d[1] for d in delays}) > 1  # full jitter: the waits differ from run to run
    assert any(d[1] > 1.0 for d in delays)  # ... and the second may wait longer than the first could


def test_5xx_every_time_is_unreachable_after_the_last_try() -> None:
    rig = Rig([status(503), status(502), status(503)])
    with pytest.raises(Unreachable, match=r"^x: HTTP 503 after 3 tries$"):
        rig.get()
    assert rig.calls == 3 and len(rig.sleeps) == 2
    assert rig.stats.snapshot_and_reset() == {"requests": 3, "rate_limit_waits": 0, "retries": 2}


def test_timeouts_are_retried_then_unreachable() -> None:
    rig = Rig([raises(httpx.ReadTimeout)] * 3)
    with pytest.raises(Unreachable, match="timed out after 3 tries"):
        rig.get()
    assert rig.calls == 3 and len(rig.sleeps) == 2


def test_a_timeout_then_success_returns_the_answer() -> None:
    rig = Rig([raises(httpx.ConnectTimeout), status(200, body={"ok": True})])
    assert rig.get().json() == {"ok": True}
    assert rig.stats.snapshot_and_reset() == {"requests": 2, "rate_limit_waits": 0, "retries": 1}


def test_connection_refused_is_described() -> None:
    rig = Rig([raises(httpx.ConnectError)] * 3)
    with pytest.raises(Unreachable, match="connection refused"):
        rig.get()


def test_4xx_other_than_429_is_returned_without_retry() -> None:
    rig = Rig([status(404, body={"error": "not found"})])
    assert rig.get().status_code == 404
    assert rig.calls == 1 and rig.sleeps == []


def test_facebook_auth_error_raises_auth_failed_without_retry() -> None:
    limits = Limits(
        requests=200, per_seconds=3600, max_batch=50, header_style="facebook", error_style="facebook"
    )
    rig = Rig([lambda request: facebook_error(190, status=401)], limits)
    with pytest.raises(AuthFailed, match="190"):
        rig.get()
    assert rig.calls == 1


def test_the_bucket_makes_short_waits_in_thread_and_refuses_long_ones() -> None:
    limits = Limits(requests=1, per_seconds=1, max_batch=1, header_style="none")
    rig = Rig([status(200)] * 3, limits)
    rig.get()
    rig.get()
    rig.get()
    assert rig.sleeps == [pytest.approx(1.0), pytest.approx(2.0)]  # monotonic time is frozen at 0
    with pytest.raises(RateLimited, match="request budget spent") as info:
        rig.get()
    assert info.value.retry_at == NOW + timedelta(seconds=3)
    assert rig.calls == 3
    assert rig.stats.snapshot_and_reset() == {"requests": 3, "rate_limit_waits": 3, "retries": 0}
    assert rig.stats.snapshot_and_reset() == {"requests": 0, "rate_limit_waits": 0, "retries": 0}


def test_quota_is_spent_per_request_and_refuses_before_the_network() -> None:
    clock = FrozenClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    limits = Limits(requests=100, per_seconds=60, max_batch=50, quota_per_day=3, quota_cost=1)
    rig = Rig([status(200)] * 3, limits, clock=clock)
    rig.transport.quota = QuotaMeter(3, limits.quota_reset_tz, clock)
    for _ in range(3):
        rig.get()
    with pytest.raises(RateLimited, match="daily quota") as info:
        rig.get()
    assert info.value.retry_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    assert rig.calls == 3


# --- resets in the past, Facebook's regain time ---------------------------------------------------


@pytest.mark.parametrize(
    ("style", "headers"),
    [
        ("x", {"x-rate-limit-remaining": "0", "x-rate-limit-reset": "1747043000"}),  # epoch, 09:43
        ("mastodon", {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2025-05-12T09:00:00Z"}),
        ("ietf", {"retry-after": "0"}),
        ("ietf", {"retry-after": "Mon, 12 May 2025 08:00:00 GMT"}),
    ],
)
def test_a_throttle_whose_reset_is_already_past_still_backs_off_the_minimum(
    style: str, headers: dict[str, str]
) -> None:
    signals = read_signals(style, httpx.Response(429, headers=headers), NOW)
    assert signals.throttled
    assert signals.reset_at == NOW + MIN_THROTTLE_BACKOFF
    assert timedelta(seconds=30) <= MIN_THROTTLE_BACKOFF


def test_a_429_with_a_stale_reset_blocks_the_bucket_instead_of_retrying_at_once() -> None:
    stale = {"RateLimit-Remaining": "0", "RateLimit-Reset": "1747040000"}  # 08:53, an hour ago
    rig = Rig([status(429, stale), status(200)])
    with pytest.raises(RateLimited) as info:
        rig.get()
    assert info.value.retry_at == NOW + MIN_THROTTLE_BACKOFF
    with pytest.raises(RateLimited):
        rig.get()
    assert rig.calls == 1  # the second request waited for the minimum back-off, locally


def test_a_future_reset_is_not_stretched_to_the_minimum() -> None:
    headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": "1747043410"}  # NOW + 10 s
    signals = read_signals("x", httpx.Response(429, headers=headers), NOW)
    assert signals.reset_at == NOW + timedelta(seconds=10)


def business_use_case(regain_minutes: int, call_count: int = 100) -> str:
    return json.dumps(
        {
            "112233445566": [
                {
                    "type": "pages",
                    "call_count": call_count,
                    "total_cputime": 5,
                    "total_time": 8,
                    "estimated_time_to_regain_access": regain_minutes,
                }
            ]
        }
    )


def test_facebook_regain_time_in_the_business_use_case_header_is_the_reset(shared_dir: Path) -> None:
    response = sample_response(shared_dir, "facebook", "engagement_single")
    response.headers["x-business-use-case-usage"] = business_use_case(17)
    signals = read_signals("facebook", response, NOW)
    assert signals.throttled and signals.remaining == 0.0
    assert signals.reset_at == NOW + timedelta(minutes=17)  # not the fixed 5-minute guess


def test_facebook_regain_time_is_not_read_as_a_usage_percentage(shared_dir: Path) -> None:
    # 120 minutes to regain access must not look like "120% of the budget used" (nor 0 like 0%),
    # and a zero regain time with low usage is not a throttle at all.
    response = sample_response(shared_dir, "facebook", "engagement_single")
    response.headers["x-business-use-case-usage"] = business_use_case(0, call_count=20)
    signals = read_signals("facebook", response, NOW)
    assert not signals.throttled
    assert signals.remaining == 80.0  # max(call_count 20, x-app-usage 4): 20% used
    response.headers["x-business-use-case-usage"] = business_use_case(120, call_count=20)
    signals = read_signals("facebook", response, NOW)
    assert signals.reset_at == NOW + timedelta(minutes=120)


def test_facebook_throttle_error_waits_the_regain_time() -> None:
    limits = Limits(
        requests=200, per_seconds=3600, max_batch=50, header_style="facebook", error_style="facebook"
    )

    def throttled(request: httpx.Request) -> httpx.Response:
        body = {"error": {"message": "(#4) Application request limit reached", "code": 4}}
        headers = {"x-business-use-case-usage": business_use_case(42)}
        return httpx.Response(403, headers=headers, json=body)

    rig = Rig([throttled], limits)
    with pytest.raises(RateLimited) as info:
        rig.get()
    assert info.value.retry_at == NOW + timedelta(minutes=42)
    assert rig.bucket.blocked_until == NOW + timedelta(minutes=42)
