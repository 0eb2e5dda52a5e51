"""Reddit over real HTTP: the simulator's Reddit fake (anonymous and OAuth hosts, token
endpoint, x-ratelimit-* headers) and the shared real samples replayed."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import pytest

from collectors.reddit import ANONYMOUS_LIMITS, OAUTH_LIMITS, url_variants
from tests.collectors.batching import sample_in_batches
from tracker.collector import Discovery, Gone, Sample, Target
from tracker.errors import AuthFailed, BadResponse, ConfigError, RateLimited, UnknownURL, Unreachable
from tracker.simweb.reddit import ANONYMOUS_PER_WINDOW, share_code, subreddit, upvote_ratio

CLIENT = {"REDDIT_CLIENT_ID": "sim-reddit-app", "REDDIT_CLIENT_SECRET": "sim-reddit-secret-5f2c9a"}
SAMPLE_ARTICLE = "https://news.example.com/2025/05/12/seoul-tokyo-drum-duet-goes-viral/"


def _fake(sim):
    return next(f for f in sim.app.fakes if f.NAME == "reddit")


def _live_posts(sim, n):
    now = sim.world.now()
    posts = [
        p
        for p in sim.world.posts["reddit"].values()
        if p.created_at <= now and not sim.world.is_gone(p) and not p.private
    ]
    assert len(posts) >= n
    return posts[:n]


def _key(n: int) -> str:
    return np.base_repr(n, 36).lower()


@pytest.fixture
def reddit(make_collector, request):
    """An anonymous Reddit collector with its own User-Agent, so each test has its own budget."""
    return make_collector("reddit", user_agent=f"test:virality-tracker:{request.node.name[:60]}")


def _expected(sim, post):
    counts = sim.world.engagement(post)
    return {"score": max(1, counts["interactions"]), "comments": counts["comments"]}


# -- sampling -----------------------------------------------------------------------------------


def test_reddit_sample_maps_score_comments_and_upvote_ratio_gauge(sim, reddit):
    posts = _live_posts(sim, 3)
    records = list(reddit.collector.sample([Target("reddit", p.key) for p in posts]))
    assert [r.item_key for r in records] == [p.key for p in posts]
    for post, record in zip(posts, records, strict=True):
        assert isinstance(record, Sample)
        assert record.metrics == _expected(sim, post)
        assert record.gauges == {"upvote_ratio": upvote_ratio(post)}
    assert reddit.http.stats.requests == 1


def test_reddit_batches_100_fullnames_per_request(sim, reddit):
    assert reddit.limits.max_batch == 100
    real = [Target("reddit", p.key) for p in _live_posts(sim, 5)]
    unknown = [Target("reddit", _key(10**9 + i)) for i in range(145)]
    records = sample_in_batches(reddit, real + unknown)
    assert len(records) == 150
    assert reddit.http.stats.requests == 2  # ceil(150 / 100)
    assert all(isinstance(r, Sample) for r in records[:5])
    assert all(isinstance(r, Gone) and r.reason == "not_found" for r in records[5:])


def test_reddit_id_left_out_of_listing_is_gone_not_found(sim, reddit):
    [post] = _live_posts(sim, 1)
    missing = Target("reddit", "zzzzzz1")
    records = list(reddit.collector.sample([Target("reddit", post.key), missing]))
    assert isinstance(records[0], Sample)
    assert records[1] == Gone(missing, "not_found")


def test_reddit_no_id_found_404_means_all_gone_not_found(reddit):
    targets = [Target("reddit", "zzzzzz2"), Target("reddit", "zzzzzz3")]
    assert list(reddit.collector.sample(targets)) == [Gone(t, "not_found") for t in targets]
    assert reddit.http.stats.requests == 1


def test_reddit_empty_target_list_makes_no_request(reddit):
    assert list(reddit.collector.sample([])) == []
    assert reddit.http.stats.requests == 0


def test_reddit_deleted_post_is_gone_deleted(sim_admin, reddit):
    sim_admin("posts", {"platform": "reddit", "key": "dele7e1", "deleted": True})
    [record] = list(reddit.collector.sample([Target("reddit", "dele7e1")]))
    assert record == Gone(Target("reddit", "dele7e1"), "deleted")


def test_reddit_post_in_private_subreddit_is_gone_not_found(sim_admin, reddit):
    sim_admin("posts", {"platform": "reddit", "key": "pr1vate1", "private": True})
    [record] = list(reddit.collector.sample([Target("reddit", "pr1vate1")]))
    assert record == Gone(Target("reddit", "pr1vate1"), "not_found")


# -- finding shares -----------------------------------------------------------------------------


def test_reddit_find_shares_tries_every_spelling_of_the_url(sim, sim_admin, reddit):
    article = "https://news.example.com/2026/11/20/find-shares-spellings/"
    # int(key, 36) % 4 picks the spelling the fake submits: https/http x slash/no slash.
    keys = [_key(36**5 + k) for k in range(4)]
    for key in keys:
        sim_admin("posts", {"platform": "reddit", "key": key, "article_url": article})
    deleted = {"platform": "reddit", "key": _key(36**5 + 4), "article_url": article, "deleted": True}
    sim_admin("posts", deleted)
    found = list(reddit.collector.find_shares(Target("reddit", article, article)))
    assert sorted(d.item_key for d in found) == sorted(keys)
    assert all(isinstance(d, Discovery) and d.links_to == article for d in found)
    assert all(d.url and d.url.startswith("https://www.reddit.com/r/") for d in found)
    assert reddit.http.stats.requests == 4


def test_reddit_find_shares_of_unshared_article_is_empty(reddit):
    article = "https://news.example.com/2026/11/20/nobody-shared-this/"
    assert list(reddit.collector.find_shares(Target("reddit", article, article))) == []
    assert reddit.http.stats.requests == 4


def test_reddit_url_variants_are_scheme_and_slash_spellings():
    assert url_variants("https://news.example.com/a/b/") == [
        "https://news.example.com/a/b/",
        "https://news.example.com/a/b",
        "http://news.example.com/a/b/",
        "http://news.example.com/a/b",
    ]
    assert url_variants("https://news.example.com/a.html?id=3") == [
        "https://news.example.com/a.html?id=3",
        "https://news.example.com/a.html/?id=3",
        "http://news.example.com/a.html?id=3",
        "http://news.example.com/a.html/?id=3",
    ]


# -- rate limits and faults ---------------------------------------------------------------------


def test_reddit_sends_its_user_agent_and_is_counted_per_caller(sim, make_collector):
    agent = "test:virality-tracker:ua-check (by /u/example)"
    active = make_collector("reddit", user_agent=agent)
    [post] = _live_posts(sim, 1)
    list(active.collector.sample([Target("reddit", post.key)]))
    remaining, _ = _fake(sim).anonymous_counter.peek(f"127.0.0.1 {agent}")
    assert remaining == ANONYMOUS_PER_WINDOW - 1


def test_reddit_fake_answers_429_with_reddit_headers_past_the_budget(sim):
    url = f"{sim.url}/reddit/www/api/info.json"
    headers = {"User-Agent": "test:virality-tracker:budget-exhaustion"}
    with httpx.Client(headers=headers) as client:
        first = client.get(url, params={"url": "https://example.org/"})
        assert first.status_code == 200
        assert first.headers["x-ratelimit-remaining"] == f"{ANONYMOUS_PER_WINDOW - 1}.0"
        assert first.headers["x-ratelimit-used"] == "1"
        assert 0 < int(first.headers["x-ratelimit-reset"]) <= 600
        for _ in range(ANONYMOUS_PER_WINDOW - 1):
            last = client.get(url, params={"url": "https://example.org/"})
        assert last.status_code == 200 and last.headers["x-ratelimit-remaining"] == "0.0"
        over = client.get(url, params={"url": "https://example.org/"})
    assert over.status_code == 429
    assert over.json() == {"message": "Too Many Requests", "error": 429}
    assert over.headers["x-ratelimit-remaining"] == "0.0"
    assert over.headers["x-ratelimit-used"] == str(ANONYMOUS_PER_WINDOW)


def test_reddit_429_raises_rate_limited_until_the_reset_header(sim, sim_admin, reddit, clock):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "reddit", "queue": ["429"]})
    with pytest.raises(RateLimited) as info:
        list(reddit.collector.sample([Target("reddit", post.key)]))
    # x-ratelimit-reset is seconds until the 10-minute window ends, counted from our clock.
    assert timedelta(0) < info.value.retry_at - clock.now() <= timedelta(seconds=600)


def test_reddit_real_429_sample_sets_retry_at_from_reset_seconds(replay, make_collector, clock):
    server = replay("reddit", ["rate_limited_429"])
    active = make_collector("reddit", www_url=server.url)
    with pytest.raises(RateLimited) as info:
        list(active.collector.find_shares(Target("reddit", SAMPLE_ARTICLE, SAMPLE_ARTICLE)))
    assert info.value.retry_at == clock.now() + timedelta(seconds=212)


@pytest.mark.parametrize("fault", ["503", "timeout"])
def test_reddit_transient_fault_is_retried_then_succeeds(sim, sim_admin, reddit, fault):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "reddit", "queue": [fault]})
    [record] = list(reddit.collector.sample([Target("reddit", post.key)]))
    assert isinstance(record, Sample) and record.metrics == _expected(sim, post)
    assert reddit.http.stats.retries == 1


@pytest.mark.parametrize("fault", ["malformed", "html", "truncated", "empty"])
def test_reddit_broken_body_is_bad_response(sim, sim_admin, reddit, fault):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "reddit", "queue": [fault]})
    with pytest.raises(BadResponse) as info:
        list(reddit.collector.sample([Target("reddit", post.key)]))
    assert "\n" not in str(info.value)


# -- real samples -------------------------------------------------------------------------------


def test_reddit_real_samples_parse_through_replay(replay, make_collector):
    server = replay("reddit", ["by_id_t3", "info_by_url_listing"])
    active = make_collector("reddit", www_url=server.url)
    [record] = list(active.collector.sample([Target("reddit", "1kkq7zd")]))
    assert isinstance(record, Sample)
    assert record.metrics == {"score": 18611, "comments": 1269}
    assert record.gauges == {"upvote_ratio": 0.94}

    found = list(active.collector.find_shares(Target("reddit", SAMPLE_ARTICLE, SAMPLE_ARTICLE)))
    # Four lookups answer the same listing: de-duplicated, and the author-deleted post is skipped.
    assert [d.item_key for d in found] == ["1kkq7zd", "1kkt02b"]
    first = found[0]
    assert first.links_to == SAMPLE_ARTICLE
    assert (
        first.url
        == "https://www.reddit.com/r/Music/comments/1kkq7zd/seoul_and_tokyo_drummers_play_a_live_duet_over/"
    )
    assert first.published_at == datetime.fromtimestamp(1747043911, UTC)
    assert first.author == "lonelyhearts_club"
    lookups = [p for p in server.requests if p.startswith("/api/info.json")]
    assert len(lookups) == 4 and len(set(lookups)) == 4


# -- identify -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.reddit.com/r/Music/comments/1kkq7zd/seoul_and_tokyo/", "1kkq7zd"),
        ("https://old.reddit.com/r/korea/comments/1kkt02b/", "1kkt02b"),
        ("https://reddit.com/r/drums/comments/1kl0m4x", "1kl0m4x"),
        ("https://www.reddit.com/comments/1kkq7zd/", "1kkq7zd"),
        ("https://www.reddit.com/user/someone/comments/abc123/title/", "abc123"),
        ("https://redd.it/1kkq7zd", "1kkq7zd"),
        ("https://www.reddit.com/r/Music/", None),
        ("https://www.reddit.com/r/Music/s/AbCdEf12gh", "r/Music/s/AbCdEf12gh"),
        ("https://sh.reddit.com/r/korea/s/Zx9Yw8Vu7T/", "r/korea/s/Zx9Yw8Vu7T"),
        ("https://old.reddit.com/r/news/s/AbCdEf12gh?utm_source=share", "r/news/s/AbCdEf12gh"),
        ("https://new.reddit.com/user/someone/s/QwErTy1234", "u/someone/s/QwErTy1234"),
        ("https://reddit.com/u/someone/s/QwErTy1234", "u/someone/s/QwErTy1234"),
        ("https://www.reddit.com/r/news/s/", None),
        ("https://www.reddit.com/r/news/s/not-a-code", None),
        ("https://news.example.com/r/news/s/AbCdEf12gh", None),
        ("https://news.example.com/r/x/comments/abc/", None),
        ("not a url", None),
    ],
)
def test_reddit_identify_recognises_post_urls(reddit, url, key):
    assert reddit.collector.identify(url) == key


# -- OAuth --------------------------------------------------------------------------------------


def test_reddit_budget_is_100_a_minute_with_oauth_and_10_without(make_collector, reddit):
    assert (reddit.limits.requests, reddit.limits.per_seconds) == (10, 60)
    oauth = make_collector("reddit", env=CLIENT)
    assert oauth.limits == OAUTH_LIMITS and reddit.limits == ANONYMOUS_LIMITS
    assert (oauth.limits.requests, oauth.limits.per_seconds) == (100, 60)


def test_reddit_oauth_fetches_an_app_token_and_reads_the_oauth_host(sim, make_collector):
    fake = _fake(sim)
    issued = len(fake.issued)
    active = make_collector("reddit", env=CLIENT)
    posts = _live_posts(sim, 2)
    records = list(active.collector.sample([Target("reddit", p.key) for p in posts]))
    assert [r.metrics for r in records] == [_expected(sim, p) for p in posts]
    assert len(fake.issued) == issued + 1
    token = fake.issued[-1]
    assert fake.tokens[token][0] == CLIENT["REDDIT_CLIENT_ID"]
    remaining, _ = fake.oauth_counter.peek(CLIENT["REDDIT_CLIENT_ID"])
    assert remaining < 1000  # counted against the OAuth client, not the anonymous budget


def test_reddit_oauth_token_is_refreshed_after_a_401(sim, make_collector):
    fake = _fake(sim)
    active = make_collector("reddit", env=CLIENT)
    [post] = _live_posts(sim, 1)
    list(active.collector.sample([Target("reddit", post.key)]))
    issued = len(fake.issued)
    fake.revoke_tokens()  # the API now answers 401 to the token the collector holds
    [record] = list(active.collector.sample([Target("reddit", post.key)]))
    assert isinstance(record, Sample)
    assert len(fake.issued) == issued + 1


def test_reddit_oauth_token_is_refreshed_before_it_expires(sim, make_collector, clock):
    fake = _fake(sim)
    active = make_collector("reddit", env=CLIENT)
    [post] = _live_posts(sim, 1)
    list(active.collector.sample([Target("reddit", post.key)]))
    list(active.collector.sample([Target("reddit", post.key)]))
    issued, requests = len(fake.issued), active.http.stats.requests
    clock.advance(86400)  # the token's expires_in
    list(active.collector.sample([Target("reddit", post.key)]))
    assert len(fake.issued) == issued + 1
    assert active.http.stats.requests == requests + 2  # a new token, then the data: no 401 round trip


def test_reddit_refused_credentials_are_auth_failed(sim, make_collector):
    _fake(sim).revoked_clients.add("revoked-app")
    env = {"REDDIT_CLIENT_ID": "revoked-app", "REDDIT_CLIENT_SECRET": "s3cret-value"}
    active = make_collector("reddit", env=env)
    [post] = _live_posts(sim, 1)
    with pytest.raises(AuthFailed) as info:
        list(active.collector.sample([Target("reddit", post.key)]))
    assert "s3cret-value" not in str(info.value)


def test_reddit_needs_both_credentials_or_neither(make_collector):
    with pytest.raises(ConfigError, match="REDDIT_CLIENT_SECRET"):
        make_collector("reddit", env={"REDDIT_CLIENT_ID": "only-the-id"})


def test_reddit_secrets_and_tokens_never_reach_logs_or_errors(sim, sim_admin, make_collector, caplog):
    caplog.set_level(logging.DEBUG)
    fake = _fake(sim)
    active = make_collector("reddit", env=CLIENT)
    [post] = _live_posts(sim, 1)
    list(active.collector.sample([Target("reddit", post.key)]))
    fake.revoke_tokens()
    list(active.collector.sample([Target("reddit", post.key)]))
    sim_admin("faults", {"platform": "reddit", "queue": ["malformed"]})
    with pytest.raises(BadResponse) as info:
        list(active.collector.sample([Target("reddit", post.key)]))
    tokens = fake.issued[-2:]
    pair = f"{CLIENT['REDDIT_CLIENT_ID']}:{CLIENT['REDDIT_CLIENT_SECRET']}"
    basic = base64.b64encode(pair.encode()).decode()
    assert caplog.records, "expected DEBUG logging from the HTTP seam"
    for secret in (CLIENT["REDDIT_CLIENT_SECRET"], basic, *tokens):
        assert secret not in caplog.text
        assert secret not in str(info.value)
        assert secret not in repr(active.collector.__dict__)


# -- share links --------------------------------------------------------------------------------


def test_reddit_share_link_resolves_to_the_post_by_one_unfollowed_redirect(sim, reddit):
    [post] = _live_posts(sim, 1)
    key = reddit.collector.identify(f"https://www.reddit.com/r/{subreddit(post)}/s/{share_code(post.key)}")
    assert reddit.collector.unresolved(key)
    assert reddit.collector.resolve(key) == post.key
    # One request: the 301's Location names the post; the permalink itself is never fetched.
    assert reddit.http.stats.requests == 1
    [record] = reddit.collector.sample([Target("reddit", reddit.collector.resolve(post.key))])
    assert isinstance(record, Sample) and record.metrics == _expected(sim, post)
    assert reddit.http.stats.requests == 2  # resolving a post id asks nothing


def test_reddit_every_share_of_one_post_resolves_to_the_same_id(sim, reddit):
    [post] = _live_posts(sim, 1)
    keys = {
        reddit.collector.resolve(
            reddit.collector.identify(f"https://{host}/r/any/s/{share_code(post.key, n)}")
        )
        for n, host in enumerate(("www.reddit.com", "sh.reddit.com", "old.reddit.com"))
    }
    assert keys == {post.key}


def test_reddit_share_link_resolves_on_the_website_with_oauth_credentials(sim, make_collector):
    [post] = _live_posts(sim, 1)
    active = make_collector("reddit", env=CLIENT, user_agent="test:share-oauth")
    assert active.collector.resolve(f"r/{subreddit(post)}/s/{share_code(post.key, 1)}") == post.key
    assert active.http.stats.requests == 1  # the website needs no token: none was fetched


def test_reddit_unknown_share_code_is_unknown_url(reddit):
    with pytest.raises(UnknownURL) as info:
        reddit.collector.resolve("r/news/s/NoSuchCode")
    assert "unknown to Reddit (HTTP 404)" in str(info.value)
    assert "\n" not in str(info.value)


def test_reddit_share_redirect_leaving_reddit_is_refused_and_not_followed(answer_at, make_collector):
    server = answer_at(
        "/r/news/s/Evil123456",
        {},
        status=301,
        headers={"location": "http://169.254.169.254/latest/meta-data/"},
    )
    active = make_collector("reddit", www_url=server.url, user_agent="test:share-evil")
    with pytest.raises(UnknownURL) as info:
        active.collector.resolve("r/news/s/Evil123456")
    assert "redirects off Reddit (to 169.254.169.254)" in str(info.value)
    assert server.requests == ["/r/news/s/Evil123456?"]


def test_reddit_share_redirect_to_a_page_that_is_no_post_is_refused(answer_at, make_collector):
    server = answer_at(
        "/r/news/s/Login12345", {}, status=302, headers={"location": "https://www.reddit.com/login/?dest=x"}
    )
    active = make_collector("reddit", www_url=server.url, user_agent="test:share-login")
    with pytest.raises(UnknownURL, match="leads to /login/, not a post"):
        active.collector.resolve("r/news/s/Login12345")


def test_reddit_api_redirect_to_another_host_is_refused_by_the_request_guard(answer_at, make_collector):
    server = answer_at("/by_id/t3_abc.json", {}, status=302, headers={"location": "http://example.org/x"})
    active = make_collector("reddit", www_url=server.url, user_agent="test:guard")
    with pytest.raises(BadResponse, match=r"example\.org is not a Reddit host"):
        list(active.collector.sample([Target("reddit", "abc")]))


def test_reddit_share_resolution_while_reddit_fails_is_unreachable(sim, sim_admin, reddit):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "reddit", "queue": ["503", "503", "503"]})
    with pytest.raises(Unreachable):
        reddit.collector.resolve(f"r/news/s/{share_code(post.key)}")
