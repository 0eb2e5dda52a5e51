"""YouTube Data API v3 over real HTTP: the simulator's YouTube fake, the shared real sample
replayed, and hand-written Google error bodies served the same way."""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime

import pytest

from tests.collectors.batching import sample_in_batches
from tracker.assembly import Active, Disabled, build_platform
from tracker.clock import FrozenClock
from tracker.collector import Gone, Sample, Target
from tracker.config import PlatformConfig
from tracker.errors import AuthFailed, BadResponse, RateLimited
from tracker.registry import load as load_registry
from tracker.secrets import Redactor
from tracker.simweb.youtube import PACIFIC, QUOTA_PER_DAY, comments_off, likes_hidden

KEY = "AIzaSim-youtube-key-3c9d1e"
ENV = {"YOUTUBE_API_KEY": KEY}
# The `clock` fixture's 2026-11-20 12:00 UTC is 04:00 PST; the quota day ends at 08:00 UTC.
NEXT_PACIFIC_MIDNIGHT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def _fake(sim):
    return next(f for f in sim.app.fakes if f.NAME == "youtube")


def _live_posts(sim, n, *, full_stats=True):
    now = sim.world.now()
    posts = [
        p
        for p in sim.world.posts["youtube"].values()
        if p.created_at <= now and not sim.world.is_gone(p)
        if not full_stats or not (likes_hidden(p.key) or comments_off(p.key))
    ]
    assert len(posts) >= n
    return posts[:n]


def _expected(sim, post):
    counts = sim.world.engagement(post)
    out = {"views": counts["views"], "likes": counts["interactions"], "comments": counts["comments"]}
    if likes_hidden(post.key):
        del out["likes"]
    if comments_off(post.key):
        del out["comments"]
    return out


def _video_id(prefix, wanted):
    """A fresh 11-character id for which `wanted(id)` holds (the fake hides stats by id)."""
    return next(k for k in (f"{prefix}{i:03d}" for i in range(1000)) if wanted(k))


@pytest.fixture
def youtube(make_collector):
    return make_collector("youtube", env=ENV)


@pytest.fixture
def build(sim, clock, fast_http):
    """Build through the real assembly with [platforms.youtube] limits overrides, like a config file."""

    def make(limits=None, env=ENV, at=clock, **settings):
        platform = load_registry(entry_point_group=None)["youtube"]
        values = {**sim.overrides()["youtube"], **settings}
        pconf = PlatformConfig("youtube", True, values, {}, dict(limits or {}))
        built = build_platform(platform, pconf, at, Redactor(), environ=env, http_options=fast_http)
        assert isinstance(built, Active), built
        return built

    return make


@pytest.fixture
def answer(answer_at):
    """Serve one hand-written answer over HTTP, the way the real samples are replayed."""
    return functools.partial(answer_at, "/youtube/v3/videos?part=statistics")


# -- sampling -----------------------------------------------------------------------------------


def test_youtube_statistics_strings_become_int_counts_in_one_request(sim, youtube):
    posts = _live_posts(sim, 3)
    records = list(youtube.collector.sample([Target("youtube", p.key) for p in posts]))
    assert [r.item_key for r in records] == [p.key for p in posts]
    assert [r.metrics for r in records] == [_expected(sim, p) for p in posts]
    assert all(isinstance(r, Sample) for r in records)
    assert youtube.http.stats.requests == 1


def test_youtube_hidden_likes_and_disabled_comments_stay_absent_never_zero(sim, sim_admin, youtube):
    hidden = _video_id("simHidden", lambda k: likes_hidden(k) and not comments_off(k))
    no_comments = _video_id("simNoComm", lambda k: comments_off(k) and not likes_hidden(k))
    for key in (hidden, no_comments):
        sim_admin("posts", {"platform": "youtube", "key": key, "article_url": None})
    records = list(youtube.collector.sample([Target("youtube", hidden), Target("youtube", no_comments)]))
    assert set(records[0].metrics) == {"views", "comments"}
    assert set(records[1].metrics) == {"views", "likes"}
    assert [r.metrics for r in records] == [
        _expected(sim, sim.world.posts["youtube"][hidden]),
        _expected(sim, sim.world.posts["youtube"][no_comments]),
    ]


def test_youtube_batches_50_ids_per_request(sim, youtube):
    assert youtube.limits.max_batch == 50
    real = [Target("youtube", p.key) for p in _live_posts(sim, 3)]
    unknown = [Target("youtube", f"zzUnknown{i:02d}") for i in range(97)]
    records = sample_in_batches(youtube, real + unknown)
    assert youtube.http.stats.requests == 2  # ceil(100 / 50)
    assert [r.item_key for r in records[:3]] == [t.item_key for t in real]
    assert records[3:] == [Gone(t, "not_found") for t in unknown]


def test_youtube_deleted_private_and_unknown_videos_are_gone(sim, sim_admin, youtube):
    [post] = _live_posts(sim, 1)
    sim_admin("posts", {"platform": "youtube", "key": "simDeleted1", "deleted": True})
    sim_admin("posts", {"platform": "youtube", "key": "simPrivate1", "private": True})
    targets = [Target("youtube", k) for k in (post.key, "simDeleted1", "simPrivate1", "neverExist1")]
    records = list(youtube.collector.sample(targets))
    assert isinstance(records[0], Sample) and records[0].metrics == _expected(sim, post)
    # videos.list leaves all three out of `items`; it cannot tell them apart.
    assert records[1:] == [Gone(t, "not_found") for t in targets[1:]]


def test_youtube_empty_items_marks_every_id_gone(youtube):
    targets = [Target("youtube", "neverExist2"), Target("youtube", "neverExist3")]
    assert list(youtube.collector.sample(targets)) == [Gone(t, "not_found") for t in targets]


def test_youtube_video_without_statistics_part_is_a_sample_without_counts(answer, make_collector):
    server = answer(
        {"kind": "youtube#videoListResponse", "items": [{"kind": "youtube#video", "id": "abcdefghijk"}]}
    )
    active = make_collector("youtube", env=ENV, api_url=server.url)
    [record] = list(active.collector.sample([Target("youtube", "abcdefghijk")]))
    assert isinstance(record, Sample) and record.metrics == {}


def test_youtube_count_that_is_not_a_number_is_bad_response(answer, make_collector):
    item = {"id": "abcdefghijk", "statistics": {"viewCount": "lots"}}
    server = answer({"items": [item]})
    active = make_collector("youtube", env=ENV, api_url=server.url)
    with pytest.raises(BadResponse, match="viewCount"):
        list(active.collector.sample([Target("youtube", "abcdefghijk")]))


def test_youtube_items_of_the_wrong_shape_is_bad_response(answer, make_collector):
    server = answer({"items": {"id": "abcdefghijk"}})
    active = make_collector("youtube", env=ENV, api_url=server.url)
    with pytest.raises(BadResponse, match="items is dict"):
        list(active.collector.sample([Target("youtube", "abcdefghijk")]))


# -- quota ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "reset"),
    [
        (datetime(2026, 11, 20, 12, 0, tzinfo=UTC), datetime(2026, 11, 21, 8, 0, tzinfo=UTC)),  # PST
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), datetime(2026, 7, 2, 7, 0, tzinfo=UTC)),  # PDT
    ],
)
def test_youtube_quota_meter_refuses_the_call_that_would_exceed_the_day(sim, build, start, reset):
    active = build(limits={"quota_per_day": 3}, at=FrozenClock(start))
    [post] = _live_posts(sim, 1)
    for _ in range(3):
        [record] = list(active.collector.sample([Target("youtube", post.key)]))
        assert isinstance(record, Sample)
    with pytest.raises(RateLimited) as info:
        list(active.collector.sample([Target("youtube", post.key)]))
    assert info.value.retry_at == reset  # next midnight Pacific, across daylight saving
    assert active.http.stats.requests == 3  # refused before any HTTP request


def test_youtube_quota_day_rolls_over_at_pacific_midnight(sim, build):
    clock = FrozenClock(datetime(2026, 11, 21, 7, 59, tzinfo=UTC))
    active = build(limits={"quota_per_day": 1}, at=clock)
    [post] = _live_posts(sim, 1)
    list(active.collector.sample([Target("youtube", post.key)]))
    with pytest.raises(RateLimited):
        list(active.collector.sample([Target("youtube", post.key)]))
    clock.advance(60)  # 00:00 PST: a new quota day
    [record] = list(active.collector.sample([Target("youtube", post.key)]))
    assert isinstance(record, Sample)


def test_youtube_quota_exceeded_403_waits_until_pacific_midnight(sim, make_collector):
    key = "AIzaSim-spent-quota-key"
    today = sim.world.now().astimezone(PACIFIC).date()
    _fake(sim).used[key] = (today, QUOTA_PER_DAY)
    active = make_collector("youtube", env={"YOUTUBE_API_KEY": key})
    [post] = _live_posts(sim, 1)
    with pytest.raises(RateLimited, match="quotaExceeded") as info:
        list(active.collector.sample([Target("youtube", post.key)]))
    assert info.value.retry_at == NEXT_PACIFIC_MIDNIGHT
    # The meter now knows the day is spent: the next batch is refused without a request.
    with pytest.raises(RateLimited):
        list(active.collector.sample([Target("youtube", post.key)]))
    assert active.http.stats.requests == 1


def test_youtube_throttled_answer_is_rate_limited_until_pacific_midnight(sim, sim_admin, youtube):
    # YouTube has no 429 and no rate-limit headers: a throttled project gets 403 quotaExceeded.
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "youtube", "queue": ["429"]})
    with pytest.raises(RateLimited) as info:
        list(youtube.collector.sample([Target("youtube", post.key)]))
    assert info.value.retry_at == NEXT_PACIFIC_MIDNIGHT


def test_youtube_rate_limit_exceeded_reason_backs_off_a_minute(answer, make_collector, clock):
    body = {
        "error": {
            "code": 403,
            "message": "Rate Limit Exceeded",
            "errors": [
                {"message": "Rate Limit Exceeded", "domain": "usageLimits", "reason": "rateLimitExceeded"}
            ],
        }
    }
    server = answer(body, status=403)
    active = make_collector("youtube", env=ENV, api_url=server.url)
    with pytest.raises(RateLimited) as info:
        list(active.collector.sample([Target("youtube", "abcdefghijk")]))
    assert (info.value.retry_at - clock.now()).total_seconds() == 60


# -- credentials ---------------------------------------------------------------------------------


def test_youtube_invalid_key_is_auth_failed_without_the_key(sim, make_collector):
    _fake(sim).invalid_keys.add("AIzaSim-revoked-key-0000")
    active = make_collector("youtube", env={"YOUTUBE_API_KEY": "AIzaSim-revoked-key-0000"})
    [post] = _live_posts(sim, 1)
    with pytest.raises(AuthFailed, match="API key not valid") as info:
        list(active.collector.sample([Target("youtube", post.key)]))
    assert "AIzaSim-revoked-key-0000" not in str(info.value)


def test_youtube_legacy_key_invalid_reason_is_auth_failed(answer, make_collector):
    body = {
        "error": {
            "code": 400,
            "message": "Bad Request",
            "errors": [{"domain": "usageLimits", "message": "Bad Request", "reason": "keyInvalid"}],
        }
    }
    server = answer(body, status=400)
    active = make_collector("youtube", env=ENV, api_url=server.url)
    with pytest.raises(AuthFailed, match="HTTP 400"):
        list(active.collector.sample([Target("youtube", "abcdefghijk")]))


def test_youtube_other_400_is_bad_response(answer, make_collector):
    body = {
        "error": {
            "code": 400,
            "message": "No filter selected.",
            "errors": [
                {
                    "domain": "youtube.parameter",
                    "reason": "missingRequiredParameter",
                    "message": "No filter selected.",
                }
            ],
        }
    }
    server = answer(body, status=400)
    active = make_collector("youtube", env=ENV, api_url=server.url)
    with pytest.raises(BadResponse, match="No filter selected"):
        list(active.collector.sample([Target("youtube", "abcdefghijk")]))


def test_youtube_without_an_api_key_is_disabled(clock):
    platform = load_registry(entry_point_group=None)["youtube"]
    built = build_platform(platform, PlatformConfig("youtube"), clock, Redactor(), environ={})
    assert isinstance(built, Disabled) and "YOUTUBE_API_KEY" in built.reason


def test_youtube_api_key_never_reaches_logs_or_errors(sim, sim_admin, youtube, caplog):
    caplog.set_level(logging.DEBUG)
    [post] = _live_posts(sim, 1)
    list(youtube.collector.sample([Target("youtube", post.key)]))
    sim_admin("faults", {"platform": "youtube", "queue": ["malformed"]})
    with pytest.raises(BadResponse) as info:
        list(youtube.collector.sample([Target("youtube", post.key)]))
    # Our own loggers only: the simulator's access log stands in for Google's servers.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("tracker"))
    assert "/youtube/v3/videos" in ours  # the request was logged ...
    assert KEY not in ours and "key=***" in ours  # ... with the key scrubbed
    assert KEY not in str(info.value)


# -- faults ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["503", "timeout"])
def test_youtube_transient_fault_is_retried_then_succeeds(sim, sim_admin, youtube, fault):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "youtube", "queue": [fault]})
    [record] = list(youtube.collector.sample([Target("youtube", post.key)]))
    assert isinstance(record, Sample) and record.metrics == _expected(sim, post)
    assert youtube.http.stats.retries == 1


@pytest.mark.parametrize("fault", ["malformed", "html", "truncated", "empty"])
def test_youtube_broken_body_is_bad_response(sim, sim_admin, youtube, fault):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "youtube", "queue": [fault]})
    with pytest.raises(BadResponse) as info:
        list(youtube.collector.sample([Target("youtube", post.key)]))
    assert "\n" not in str(info.value)


# -- real sample and identify --------------------------------------------------------------------


def test_youtube_real_videos_list_sample_parses_through_replay(replay, make_collector):
    server = replay("youtube")
    active = make_collector("youtube", env=ENV, api_url=server.url)
    records = list(
        active.collector.sample([Target("youtube", "q7Yk3Vb2LmA"), Target("youtube", "Zp0dR4eT8sw")])
    )
    # The second video hides its likes and has comments off: those counts stay absent.
    assert [r.metrics for r in records] == [
        {"views": 4821337, "likes": 213904, "comments": 9876},
        {"views": 912044},
    ]
    assert server.requests == [f"/youtube/v3/videos?part=statistics&id=q7Yk3Vb2LmA%2CZp0dR4eT8sw&key={KEY}"]


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.youtube.com/watch?v=q7Yk3Vb2LmA", "q7Yk3Vb2LmA"),
        ("https://youtube.com/watch?feature=share&v=q7Yk3Vb2LmA&t=42s", "q7Yk3Vb2LmA"),
        ("https://m.youtube.com/watch?v=Zp0dR4eT8sw", "Zp0dR4eT8sw"),
        ("https://youtu.be/q7Yk3Vb2LmA?si=abc", "q7Yk3Vb2LmA"),
        ("https://www.youtube.com/shorts/Zp0dR4eT8sw", "Zp0dR4eT8sw"),
        ("https://www.youtube.com/embed/q7Yk3Vb2LmA?start=10", "q7Yk3Vb2LmA"),
        ("https://www.youtube-nocookie.com/embed/q7Yk3Vb2LmA", "q7Yk3Vb2LmA"),
        ("https://www.youtube.com/live/q7Yk3Vb2LmA", "q7Yk3Vb2LmA"),
        ("https://www.youtube.com/watch?v=tooShort", None),
        ("https://www.youtube.com/@MinjiDrums", None),
        ("https://www.youtube.com/channel/UCx1b3Xq9tFv0kZ2pR8mWn4A", None),
        ("https://news.example.com/watch?v=q7Yk3Vb2LmA", None),
        ("::", None),
    ],
)
def test_youtube_identify_recognises_video_urls(youtube, url, key):
    assert youtube.collector.identify(url) == key
