"""X API v2 over real HTTP: the simulator's X fake, the shared real samples replayed, and a
few hand-written answers (served the same way) for shapes the fake never produces."""

from __future__ import annotations

import functools
import logging
import time
from datetime import UTC, datetime

import pytest

from tests.collectors.batching import sample_in_batches
from tracker.assembly import Disabled, build_platform
from tracker.collector import Gone, Sample, Target
from tracker.config import PlatformConfig
from tracker.errors import AuthFailed, BadResponse, RateLimited
from tracker.ratelimit import MIN_THROTTLE_BACKOFF
from tracker.registry import load as load_registry
from tracker.secrets import Redactor

TOKEN = {"X_BEARER_TOKEN": "sim-x-bearer-7d1e0c4b"}


def _fake(sim):
    return next(f for f in sim.app.fakes if f.NAME == "x")


def _live_posts(sim, n):
    now = sim.world.now()
    posts = [
        p
        for p in sim.world.posts["x"].values()
        if p.created_at <= now and not sim.world.is_gone(p) and not p.private
    ]
    assert len(posts) >= n
    return posts[:n]


def _expected(sim, post):
    counts = sim.world.engagement(post)
    return {
        "likes": counts["interactions"],
        "reposts": counts["reposts"],
        "replies": counts["replies"],
        "quotes": counts["quotes"],
        "bookmarks": counts["bookmarks"],
        "views": counts["views"],
    }


@pytest.fixture
def x(make_collector):
    return make_collector("x", env=TOKEN)


@pytest.fixture
def answer(answer_at):
    """Serve one hand-written answer over HTTP, the way the real samples are replayed."""
    return functools.partial(answer_at, "/2/tweets?ids=1")


# -- sampling -----------------------------------------------------------------------------------


def test_x_lookup_maps_public_metrics_to_canonical_names(sim, x):
    posts = _live_posts(sim, 3)
    records = list(x.collector.sample([Target("x", p.key) for p in posts]))
    assert [r.item_key for r in records] == [p.key for p in posts]
    assert [r.metrics for r in records] == [_expected(sim, p) for p in posts]
    assert all(isinstance(r, Sample) and r.gauges == {} for r in records)
    assert x.http.stats.requests == 1


def test_x_batches_100_ids_per_request(sim, x):
    assert x.limits.max_batch == 100
    real = [Target("x", p.key) for p in _live_posts(sim, 4)]
    unknown = [Target("x", str(1_990_000_000_000_000_000 + i)) for i in range(146)]
    records = sample_in_batches(x, real + unknown)
    assert x.http.stats.requests == 2  # ceil(150 / 100)
    assert len(records) == 150
    assert all(isinstance(r, Gone) and r.reason == "not_found" for r in records[4:])


def test_x_errors_array_maps_deleted_to_not_found_and_protected_to_private(sim, sim_admin, x):
    [post] = _live_posts(sim, 1)
    sim_admin("posts", {"platform": "x", "key": "1990000000000000901", "deleted": True})
    sim_admin("posts", {"platform": "x", "key": "1990000000000000902", "private": True})
    targets = [
        Target("x", post.key),
        Target("x", "1990000000000000901"),
        Target("x", "1990000000000000902"),
        Target("x", "1990000000000000903"),
    ]
    records = list(x.collector.sample(targets))
    assert isinstance(records[0], Sample) and records[0].metrics == _expected(sim, post)
    assert records[1:] == [
        Gone(targets[1], "not_found"),
        Gone(targets[2], "private"),
        Gone(targets[3], "not_found"),
    ]
    assert x.http.stats.requests == 1


def test_x_answer_with_only_errors_and_no_data(sim_admin, x):
    sim_admin("posts", {"platform": "x", "key": "1990000000000000904", "deleted": True})
    target = Target("x", "1990000000000000904")
    assert list(x.collector.sample([target])) == [Gone(target, "not_found")]


def test_x_answer_with_neither_data_nor_errors_is_an_empty_result(answer, make_collector):
    server = answer({})
    active = make_collector("x", env=TOKEN, api_url=server.url)
    assert list(active.collector.sample([Target("x", "1")])) == []


def test_x_missing_public_metrics_stay_absent_never_zero(answer, make_collector):
    partial = {"id": "1", "text": "hi", "public_metrics": {"like_count": 5, "retweet_count": None}}
    server = answer({"data": [partial, {"id": "2", "text": "no metrics"}]})
    active = make_collector("x", env=TOKEN, api_url=server.url)
    records = list(active.collector.sample([Target("x", "1"), Target("x", "2")]))
    assert [r.metrics for r in records] == [{"likes": 5}, {}]


def test_x_count_that_is_not_a_number_is_bad_response(answer, make_collector):
    server = answer({"data": [{"id": "1", "text": "hi", "public_metrics": {"like_count": "lots"}}]})
    active = make_collector("x", env=TOKEN, api_url=server.url)
    with pytest.raises(BadResponse, match="like_count"):
        list(active.collector.sample([Target("x", "1")]))


def test_x_data_of_the_wrong_shape_is_bad_response(answer, make_collector):
    server = answer({"data": {"id": "1"}})
    active = make_collector("x", env=TOKEN, api_url=server.url)
    with pytest.raises(BadResponse, match="data is dict"):
        list(active.collector.sample([Target("x", "1")]))


# -- auth, rate limits and faults ---------------------------------------------------------------


def test_x_refused_token_is_auth_failed(sim, make_collector):
    _fake(sim).revoked.add("revoked-x-token")
    active = make_collector("x", env={"X_BEARER_TOKEN": "revoked-x-token"})
    [post] = _live_posts(sim, 1)
    with pytest.raises(AuthFailed, match="401"):
        list(active.collector.sample([Target("x", post.key)]))


def test_x_endpoint_not_in_the_apps_access_level_is_auth_failed(answer, make_collector):
    body = {
        "title": "Client Forbidden",
        "type": "https://api.twitter.com/2/problems/client-forbidden",
        "reason": "client-not-enrolled",
        "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys ...",
    }
    server = answer(body, status=403)
    active = make_collector("x", env=TOKEN, api_url=server.url)
    with pytest.raises(AuthFailed, match="403"):
        list(active.collector.sample([Target("x", "1")]))


def test_x_without_a_bearer_token_is_disabled(clock):
    platform = load_registry(entry_point_group=None)["x"]
    built = build_platform(platform, PlatformConfig("x"), clock, Redactor(), environ={})
    assert isinstance(built, Disabled) and "X_BEARER_TOKEN" in built.reason


def test_x_fake_counts_requests_in_its_rate_limit_headers(sim):
    import httpx

    headers = {"Authorization": "Bearer test-x-header-count"}
    with httpx.Client(headers=headers) as client:
        first = client.get(f"{sim.url}/x/api/2/tweets", params={"ids": "1"})
        second = client.get(f"{sim.url}/x/api/2/tweets", params={"ids": "1"})
    assert first.headers["x-rate-limit-limit"] == "3500"
    assert first.headers["x-rate-limit-remaining"] == "3499"
    assert second.headers["x-rate-limit-remaining"] == "3498"
    assert time.time() < int(first.headers["x-rate-limit-reset"]) <= time.time() + 900


def test_x_429_raises_rate_limited_at_the_reset_epoch(sim, sim_admin, x):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "x", "queue": ["429"]})
    before = time.time()
    with pytest.raises(RateLimited) as info:
        list(x.collector.sample([Target("x", post.key)]))
    # x-rate-limit-reset is an epoch second at the end of the 15-minute window.
    assert before - 1 < info.value.retry_at.timestamp() <= time.time() + 900


def test_x_real_429_sample_sets_retry_at_from_the_reset_header(replay, make_collector, clock):
    server = replay("x", ["rate_limited_429"])
    active = make_collector("x", env=TOKEN, api_url=server.url)
    with pytest.raises(RateLimited) as info:
        list(active.collector.sample([Target("x", "1921837740219146291")]))
    # The sample's reset (May 2025) is already past on the test clock: the minimum back-off.
    assert datetime.fromtimestamp(1747043700, UTC) < clock.now()
    assert info.value.retry_at == clock.now() + MIN_THROTTLE_BACKOFF


@pytest.mark.parametrize("fault", ["503", "timeout"])
def test_x_transient_fault_is_retried_then_succeeds(sim, sim_admin, x, fault):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "x", "queue": [fault]})
    [record] = list(x.collector.sample([Target("x", post.key)]))
    assert isinstance(record, Sample) and record.metrics == _expected(sim, post)
    assert x.http.stats.retries == 1


@pytest.mark.parametrize("fault", ["malformed", "html", "truncated", "empty"])
def test_x_broken_body_is_bad_response(sim, sim_admin, x, fault):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "x", "queue": [fault]})
    with pytest.raises(BadResponse) as info:
        list(x.collector.sample([Target("x", post.key)]))
    assert "\n" not in str(info.value)


def test_x_bearer_token_never_reaches_logs_or_errors(sim, sim_admin, x, caplog):
    caplog.set_level(logging.DEBUG)
    [post] = _live_posts(sim, 1)
    list(x.collector.sample([Target("x", post.key)]))
    sim_admin("faults", {"platform": "x", "queue": ["malformed"]})
    with pytest.raises(BadResponse) as info:
        list(x.collector.sample([Target("x", post.key)]))
    assert caplog.records
    assert TOKEN["X_BEARER_TOKEN"] not in caplog.text
    assert TOKEN["X_BEARER_TOKEN"] not in str(info.value)


# -- real samples and identify ------------------------------------------------------------------


def test_x_real_lookup_sample_parses_through_replay(replay, make_collector):
    server = replay("x", ["tweets_lookup"])
    active = make_collector("x", env=TOKEN, api_url=server.url)
    ids = ["1921837740219146291", "1921845510882562133", "1921862915073937782"]
    records = list(active.collector.sample([Target("x", i) for i in ids]))
    assert [r.metrics for r in records] == [
        {"likes": 19455, "reposts": 2841, "replies": 312, "quotes": 403, "bookmarks": 1288, "views": 1873321},
        {"likes": 3120, "reposts": 611, "replies": 44, "quotes": 57, "bookmarks": 214, "views": 402118},
        {"likes": 744, "reposts": 98, "replies": 6, "quotes": 3, "bookmarks": 31, "views": 58220},
    ]
    assert server.requests == [
        "/2/tweets?ids=1921837740219146291%2C1921845510882562133%2C1921862915073937782"
        "&tweet.fields=public_metrics%2Ccreated_at%2Centities"
    ]
    # entities.urls carries the t.co-unwrapped article every post shares.
    assert {r.links_to for r in records} == {
        "https://news.example.com/2025/05/12/seoul-tokyo-drum-duet-goes-viral/"
    }


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://x.com/newsexample/status/1921837740219146291", "1921837740219146291"),
        ("https://twitter.com/newsexample/status/1921837740219146291?s=20", "1921837740219146291"),
        ("https://mobile.twitter.com/minji_drums/status/1921845510882562133/photo/1", "1921845510882562133"),
        ("https://www.x.com/i/web/status/1921862915073937782", "1921862915073937782"),
        ("https://x.com/newsexample", None),
        ("https://x.com/newsexample/status/not-a-number", None),
        ("https://news.example.com/newsexample/status/1921837740219146291", None),
        ("::", None),
    ],
)
def test_x_identify_recognises_post_urls(x, url, key):
    assert x.collector.identify(url) == key
