"""Facebook Graph API URL engagement over real HTTP: the simulator's Graph fake, the shared real
samples replayed, and hand-written Graph answers (errors, usage headers) served the same way."""

from __future__ import annotations

import functools
import json
import logging
from datetime import timedelta

import httpx
import pytest

from tests.collectors.batching import sample_in_batches
from tracker.assembly import Disabled, build_platform
from tracker.collector import Discovery, Sample, Target
from tracker.config import PlatformConfig
from tracker.errors import AuthFailed, BadResponse, RateLimited
from tracker.registry import load as load_registry
from tracker.secrets import Redactor

TOKEN = "1234567890|sim-facebook-app-secret-8e2a"
ENV = {"FACEBOOK_APP_TOKEN": TOKEN}
SAMPLE_ARTICLE = "https://news.example.com/2025/05/12/seoul-tokyo-drum-duet-goes-viral/"
QUIET_ARTICLE = "https://news.example.com/2025/05/12/obscure-local-council-minutes/"


def _fake(sim):
    return next(f for f in sim.app.fakes if f.NAME == "facebook")


def _live_urls(sim, n):
    now = sim.world.now()
    urls = [p.key for p in sim.world.posts["facebook"].values() if p.created_at <= now]
    assert len(urls) >= n
    return urls[:n]


def _expected(sim, url):
    counts = sim.world.engagement(sim.world.posts["facebook"][url])
    return {"reactions": counts["interactions"], "comments": counts["comments"], "shares": counts["shares"]}


@pytest.fixture
def facebook(make_collector):
    return make_collector("facebook", env=ENV)


@pytest.fixture
def answer(answer_at):
    """Serve one hand-written answer over HTTP, the way the real samples are replayed."""
    return functools.partial(answer_at, "/v21.0/?fields=engagement")


def _graph_error(message, code, **extra):
    return {
        "error": {"message": message, "type": "OAuthException", "code": code, **extra, "fbtrace_id": "Ab1"}
    }


# -- sampling -----------------------------------------------------------------------------------


def test_facebook_url_engagement_maps_reactions_comments_shares_in_one_request(sim, facebook):
    urls = _live_urls(sim, 3)
    records = list(facebook.collector.sample([Target("facebook", u, u) for u in urls]))
    assert [r.item_key for r in records] == urls
    assert [r.metrics for r in records] == [_expected(sim, u) for u in urls]
    assert all(isinstance(r, Sample) for r in records)
    assert facebook.http.stats.requests == 1


def test_facebook_batches_50_urls_per_request(sim, facebook):
    assert facebook.limits.max_batch == 50
    real = [Target("facebook", u, u) for u in _live_urls(sim, 5)]
    others = [Target("facebook", f"https://elsewhere.example.org/story-{i}/") for i in range(95)]
    records = sample_in_batches(facebook, real + others)
    assert facebook.http.stats.requests == 2  # ceil(100 / 50)
    assert [r.item_key for r in records] == [t.item_key for t in real + others]


def test_facebook_url_nobody_shared_has_real_zero_counts_not_gone(facebook):
    # Graph has engagement for any URL; zeros here are the platform's own numbers.
    target = Target("facebook", "https://elsewhere.example.org/never-shared/")
    [record] = list(facebook.collector.sample([target]))
    assert isinstance(record, Sample)
    assert record.metrics == {"reactions": 0, "comments": 0, "shares": 0}


def test_facebook_url_missing_from_the_answer_gets_no_record(answer, make_collector):
    node = {"engagement": {"reaction_count": 3, "comment_count": 1, "share_count": 2}, "id": SAMPLE_ARTICLE}
    server = answer({SAMPLE_ARTICLE: node})
    active = make_collector("facebook", env=ENV, graph_url=server.url)
    records = list(
        active.collector.sample([Target("facebook", SAMPLE_ARTICLE), Target("facebook", QUIET_ARTICLE)])
    )
    assert [(r.item_key, r.metrics) for r in records] == [
        (SAMPLE_ARTICLE, {"reactions": 3, "comments": 1, "shares": 2})
    ]


def test_facebook_empty_answer_yields_nothing(answer, make_collector):
    server = answer({})
    active = make_collector("facebook", env=ENV, graph_url=server.url)
    assert list(active.collector.sample([Target("facebook", SAMPLE_ARTICLE)])) == []


def test_facebook_node_without_engagement_is_a_sample_without_counts(answer, make_collector):
    server = answer({SAMPLE_ARTICLE: {"id": SAMPLE_ARTICLE}})
    active = make_collector("facebook", env=ENV, graph_url=server.url)
    [record] = list(active.collector.sample([Target("facebook", SAMPLE_ARTICLE)]))
    assert isinstance(record, Sample) and record.metrics == {}


def test_facebook_answer_keyed_by_another_spelling_of_the_url_still_matches(answer, make_collector):
    node = {"engagement": {"reaction_count": 7, "comment_count": 0, "share_count": 1}}
    server = answer({SAMPLE_ARTICLE + "?utm_source=fb": node})
    active = make_collector("facebook", env=ENV, graph_url=server.url)
    [record] = list(active.collector.sample([Target("facebook", SAMPLE_ARTICLE)]))
    assert record.metrics == {"reactions": 7, "comments": 0, "shares": 1}


def test_facebook_count_that_is_not_a_number_is_bad_response(answer, make_collector):
    server = answer({SAMPLE_ARTICLE: {"engagement": {"share_count": "many"}}})
    active = make_collector("facebook", env=ENV, graph_url=server.url)
    with pytest.raises(BadResponse, match="share_count"):
        list(active.collector.sample([Target("facebook", SAMPLE_ARTICLE)]))


# -- shares and identify --------------------------------------------------------------------------


def test_facebook_find_shares_names_the_canonical_article_url_without_a_request(facebook):
    tracked = SAMPLE_ARTICLE + "?utm_source=twitter#comments"
    found = list(facebook.collector.find_shares(Target("facebook", tracked, tracked)))
    assert found == [
        Discovery(
            platform="facebook",
            item_key=SAMPLE_ARTICLE,
            url=SAMPLE_ARTICLE,
            links_to=SAMPLE_ARTICLE,
            kind="post",
        )
    ]
    assert facebook.http.stats.requests == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://www.facebook.com/newsexample/posts/pfbid02abc",
        "https://www.facebook.com/permalink.php?story_fbid=123&id=456",
        SAMPLE_ARTICLE,
    ],
)
def test_facebook_identify_recognises_no_url(facebook, url):
    assert facebook.collector.identify(url) is None


# -- throttling, auth and faults -----------------------------------------------------------------


def test_facebook_throttle_error_code_4_is_rate_limited_for_five_minutes(sim, sim_admin, facebook, clock):
    # The Graph API never answers 429: code 4 in a 403 body, with x-app-usage at 100%.
    [url] = _live_urls(sim, 1)
    sim_admin("faults", {"platform": "facebook", "queue": ["429"]})
    with pytest.raises(RateLimited) as info:
        list(facebook.collector.sample([Target("facebook", url)]))
    assert info.value.retry_at == clock.now() + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, 17, "(#17) User request limit reached"),
        (400, 32, "(#32) Page request limit reached"),
        (400, 613, "(#613) Calls to this api have exceeded the rate limit."),
    ],
)
def test_facebook_every_throttle_code_is_rate_limited(answer, make_collector, status, code, message):
    server = answer(_graph_error(message, code, is_transient=True), status=status)
    active = make_collector("facebook", env=ENV, graph_url=server.url)
    with pytest.raises(RateLimited):
        list(active.collector.sample([Target("facebook", SAMPLE_ARTICLE)]))


def test_facebook_usage_header_at_100_percent_blocks_the_next_request(answer, make_collector, clock):
    node = {"engagement": {"reaction_count": 1, "comment_count": 0, "share_count": 0}}
    usage = {"x-app-usage": '{"call_count":100,"total_cputime":40,"total_time":42}'}
    server = answer({SAMPLE_ARTICLE: node}, headers=usage)
    active = make_collector("facebook", env=ENV, graph_url=server.url)
    [record] = list(active.collector.sample([Target("facebook", SAMPLE_ARTICLE)]))
    assert record.metrics == {"reactions": 1, "comments": 0, "shares": 0}
    with pytest.raises(RateLimited) as info:
        list(active.collector.sample([Target("facebook", SAMPLE_ARTICLE)]))
    assert info.value.retry_at == clock.now() + timedelta(minutes=5)
    assert len(server.requests) == 1  # refused before it was sent


def test_facebook_fake_reports_usage_percent_and_refuses_more_than_50_ids(sim):
    urls = [f"https://elsewhere.example.org/{i}/" for i in range(51)]
    params = {"ids": ",".join(urls[:50]), "fields": "engagement", "access_token": "1|fake-usage-check"}
    ok = httpx.get(f"{sim.url}/facebook/graph/v21.0/", params=params)
    assert ok.status_code == 200 and len(ok.json()) == 50
    assert set(json.loads(ok.headers["x-app-usage"])) == {"call_count", "total_cputime", "total_time"}
    too_many = httpx.get(f"{sim.url}/facebook/graph/v21.0/", params={**params, "ids": ",".join(urls)})
    assert too_many.status_code == 400
    assert too_many.json()["error"]["message"] == "(#100) Too many IDs. Maximum: 50. Provided: 51."


@pytest.mark.parametrize("token", ["1234567890|revoked-secret-0000", "not-an-app-token-0000"])
def test_facebook_refused_token_error_190_is_auth_failed(sim, make_collector, token):
    _fake(sim).revoked.add("1234567890|revoked-secret-0000")
    active = make_collector("facebook", env={"FACEBOOK_APP_TOKEN": token})
    [url] = _live_urls(sim, 1)
    with pytest.raises(AuthFailed, match="190") as info:
        list(active.collector.sample([Target("facebook", url)]))
    assert token not in str(info.value)


def test_facebook_without_an_app_token_is_disabled(clock):
    platform = load_registry(entry_point_group=None)["facebook"]
    built = build_platform(platform, PlatformConfig("facebook"), clock, Redactor(), environ={})
    assert isinstance(built, Disabled) and "FACEBOOK_APP_TOKEN" in built.reason


def test_facebook_other_graph_error_is_bad_response(answer, make_collector):
    server = answer(_graph_error("(#100) Too many IDs. Maximum: 50. Provided: 54.", 100), status=400)
    active = make_collector("facebook", env=ENV, graph_url=server.url)
    with pytest.raises(BadResponse, match="Too many IDs"):
        list(active.collector.sample([Target("facebook", SAMPLE_ARTICLE)]))


@pytest.mark.parametrize("fault", ["502", "timeout"])
def test_facebook_transient_fault_is_retried_then_succeeds(sim, sim_admin, facebook, fault):
    [url] = _live_urls(sim, 1)
    sim_admin("faults", {"platform": "facebook", "queue": [fault]})
    [record] = list(facebook.collector.sample([Target("facebook", url)]))
    assert isinstance(record, Sample) and record.metrics == _expected(sim, url)
    assert facebook.http.stats.retries == 1


@pytest.mark.parametrize("fault", ["malformed", "html", "truncated", "empty"])
def test_facebook_broken_body_is_bad_response(sim, sim_admin, facebook, fault):
    [url] = _live_urls(sim, 1)
    sim_admin("faults", {"platform": "facebook", "queue": [fault]})
    with pytest.raises(BadResponse) as info:
        list(facebook.collector.sample([Target("facebook", url)]))
    assert "\n" not in str(info.value)


def test_facebook_app_token_never_reaches_logs_or_errors(sim, sim_admin, facebook, caplog):
    caplog.set_level(logging.DEBUG)
    [url] = _live_urls(sim, 1)
    list(facebook.collector.sample([Target("facebook", url)]))
    sim_admin("faults", {"platform": "facebook", "queue": ["malformed"]})
    with pytest.raises(BadResponse) as info:
        list(facebook.collector.sample([Target("facebook", url)]))
    # Our own loggers only: the simulator's access log stands in for Facebook's servers.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("tracker"))
    assert "access_token=***" in ours
    for secret in (TOKEN, TOKEN.split("|")[1]):
        assert secret not in ours and secret not in str(info.value)


# -- real samples ---------------------------------------------------------------------------------


def test_facebook_real_ids_sample_parses_through_replay(replay, make_collector):
    server = replay("facebook", ["engagement_batch_ids"])
    active = make_collector("facebook", env=ENV, graph_url=server.url)
    records = list(
        active.collector.sample([Target("facebook", SAMPLE_ARTICLE), Target("facebook", QUIET_ARTICLE)])
    )
    # comment_plugin_count (on-site plugin comments) is deliberately not stored.
    assert [r.metrics for r in records] == [
        {"reactions": 18734, "comments": 2211, "shares": 9402},
        {"reactions": 0, "comments": 0, "shares": 0},
    ]
    [path] = server.requests
    assert path.startswith(
        "/v21.0/?ids=https%3A%2F%2Fnews.example.com%2F2025%2F05%2F12%2Fseoul-tokyo-drum-duet"
    )
    assert "&fields=engagement&access_token=" in path
