"""Bluesky over real HTTP against the simulated AppView and the shared real samples."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tracker.collector import Gone, Sample, Target
from tracker.errors import BadResponse, RateLimited, UnknownURL, Unreachable
from tracker.ratelimit import MIN_THROTTLE_BACKOFF

ARTICLE = "https://news.example.com/2025/05/12/seoul-tokyo-drum-duet-goes-viral/"


def _uri(world_key: str) -> str:
    did, _, rkey = world_key.partition("/")
    return f"at://{did}/app.bsky.feed.post/{rkey}"


def _live_posts(sim, n):
    now = sim.world.now()
    posts = [
        p
        for p in sim.world.posts["bluesky"].values()
        if p.created_at <= now and not sim.world.is_gone(p) and p.article_url
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
    }


def _fake(sim):
    return next(f for f in sim.app.fakes if f.NAME == "bluesky")


def test_bluesky_batch_of_25_is_one_get_posts_request_with_exact_counts(sim, make_collector):
    posts = _live_posts(sim, 25)
    active = make_collector("bluesky")
    records = list(active.collector.sample([Target("bluesky", _uri(p.key)) for p in posts]))
    assert active.http.stats.requests == 1
    assert [r.item_key for r in records] == [_uri(p.key) for p in posts]
    for post, record in zip(posts, records, strict=True):
        assert isinstance(record, Sample)
        assert record.metrics == _expected(sim, post)


def test_bluesky_empty_target_list_makes_no_request(make_collector):
    active = make_collector("bluesky")
    assert list(active.collector.sample([])) == []
    assert active.http.stats.requests == 0


def test_bluesky_uri_left_out_of_get_posts_is_gone(sim, sim_admin, make_collector):
    [post] = _live_posts(sim, 1)
    sim_admin("posts", {"platform": "bluesky", "key": "did:plc:deleted1/3ldel", "deleted": True})
    targets = [
        Target("bluesky", _uri(post.key)),
        Target("bluesky", _uri("did:plc:deleted1/3ldel")),
        Target("bluesky", _uri("did:plc:nobody/3lnone")),
    ]
    live, deleted, unknown = make_collector("bluesky").collector.sample(targets)
    assert isinstance(live, Sample)
    assert deleted == Gone(targets[1], "not_found") and unknown == Gone(targets[2], "not_found")


def test_bluesky_identify_web_and_at_uris(make_collector):
    collector = make_collector("bluesky").collector
    assert (
        collector.identify("https://bsky.app/profile/NewsExample.bsky.social/post/3lowzq6c2kc2x")
        == "at://newsexample.bsky.social/app.bsky.feed.post/3lowzq6c2kc2x"
    )
    assert (
        collector.identify("https://bsky.app/profile/did:plc:abc/post/3lowzq6c2kc2x?ref=x")
        == "at://did:plc:abc/app.bsky.feed.post/3lowzq6c2kc2x"
    )
    assert (
        collector.identify("at://did:plc:abc/app.bsky.feed.post/3lx")
        == "at://did:plc:abc/app.bsky.feed.post/3lx"
    )
    assert collector.identify("https://bsky.app/profile/someone.bsky.social") is None
    assert collector.identify("https://example.com/post/1") is None


def test_bluesky_resolve_turns_handle_into_did_with_one_request(sim, make_collector):
    [post] = _live_posts(sim, 1)
    did, _, rkey = post.key.partition("/")
    handle = did.removeprefix("did:plc:") + ".bsky.social"
    active = make_collector("bluesky")
    key = active.collector.identify(f"https://bsky.app/profile/{handle}/post/{rkey}")
    assert active.collector.resolve(key) == _uri(post.key)
    assert active.collector.resolve(_uri(post.key)) == _uri(post.key)  # already a DID: no request
    assert active.http.stats.requests == 1


def test_bluesky_unresolvable_handle_is_unknown_url_with_xrpc_message(make_collector):
    with pytest.raises(UnknownURL) as info:
        make_collector("bluesky").collector.resolve("at://nobody.example.org/app.bsky.feed.post/3lx")
    assert str(info.value) == (
        "bluesky: the handle nobody.example.org does not resolve (Unable to resolve handle)"
    )


def test_bluesky_resolver_down_is_unreachable_not_unknown(sim_admin, make_collector):
    sim_admin("faults", {"platform": "bluesky", "queue": ["503", "503", "503"]})
    with pytest.raises(Unreachable):
        make_collector("bluesky").collector.resolve("at://someone.bsky.social/app.bsky.feed.post/3lx")


def test_bluesky_unresolved_means_a_handle_still_names_the_author(make_collector):
    collector = make_collector("bluesky").collector
    assert collector.unresolved(collector.identify("https://bsky.app/profile/a.bsky.social/post/3lx"))
    assert not collector.unresolved(collector.identify("https://bsky.app/profile/did:plc:abc/post/3lx"))
    assert not collector.unresolved("not an at-uri")


def test_bluesky_unresolved_handle_key_still_matches_its_post(sim, make_collector):
    [post] = _live_posts(sim, 1)
    did, _, rkey = post.key.partition("/")
    key = f"at://{did.removeprefix('did:plc:')}.bsky.social/app.bsky.feed.post/{rkey}"
    [record] = make_collector("bluesky").collector.sample([Target("bluesky", key)])
    assert isinstance(record, Sample) and record.item_key == key and record.metrics == _expected(sim, post)


def test_bluesky_find_shares_keeps_only_links_to_the_canonical_article(sim, sim_admin, make_collector):
    article = next(a for a in sim.world.articles if sim.world.posts_linking("bluesky", a.url))
    # The AppView's fuzzy URL filter also returns a post linking a longer URL on the same path.
    sim_admin(
        "posts", {"platform": "bluesky", "key": "did:plc:fuzzy1/3lfuz", "article_url": article.url + "extra/"}
    )
    sim_admin(
        "posts",
        {"platform": "bluesky", "key": "did:plc:utm1/3lutm", "article_url": article.url + "?utm_source=bsky"},
    )
    active = make_collector("bluesky")
    found = list(active.collector.find_shares(Target("bluesky", article.url, article.url)))
    keys = {d.item_key for d in found}
    expected = {_uri(p.key) for p in sim.world.posts_linking("bluesky", article.url)} | {
        _uri("did:plc:utm1/3lutm")
    }
    assert keys == expected and _uri("did:plc:fuzzy1/3lfuz") not in keys
    assert all(
        d.links_to == article.url and d.url.startswith("https://bsky.app/profile/did:plc:") for d in found
    )
    assert active.http.stats.requests == 1


def test_bluesky_find_shares_with_no_posts_is_empty(make_collector):
    url = "https://news.example.com/never-shared/"
    assert list(make_collector("bluesky").collector.find_shares(Target("bluesky", url, url))) == []


def test_bluesky_429_retry_at_follows_epoch_ratelimit_reset(sim, sim_admin, make_collector):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "bluesky", "queue": ["429"]})
    with pytest.raises(RateLimited) as info:
        list(make_collector("bluesky").collector.sample([Target("bluesky", _uri(post.key))]))
    _, reset = _fake(sim).counter.peek()
    assert info.value.retry_at == datetime.fromtimestamp(int(reset), UTC)


def test_bluesky_remaining_and_reset_headers_count_down(sim):
    import httpx

    url = f"{sim.url}/bluesky/xrpc/app.bsky.feed.getPosts"
    first = httpx.get(url, params={"uris": "at://did:plc:x/app.bsky.feed.post/1"})
    second = httpx.get(url, params={"uris": "at://did:plc:x/app.bsky.feed.post/1"})
    assert first.json() == {"posts": []}
    assert int(second.headers["ratelimit-remaining"]) == int(first.headers["ratelimit-remaining"]) - 1
    assert first.headers["ratelimit-policy"] == "3000;w=300"
    assert int(first.headers["ratelimit-reset"]) > 1_000_000_000


@pytest.mark.parametrize("fault", ["503", "timeout"])
def test_bluesky_transient_fault_then_success(sim, sim_admin, make_collector, fault):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "bluesky", "queue": [fault]})
    active = make_collector("bluesky")
    [record] = active.collector.sample([Target("bluesky", _uri(post.key))])
    assert isinstance(record, Sample) and record.metrics == _expected(sim, post)
    assert active.http.stats.retries == 1


def test_bluesky_persistent_5xx_is_unreachable(sim, sim_admin, make_collector):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "bluesky", "queue": ["502", "502", "502"]})
    with pytest.raises(Unreachable):
        list(make_collector("bluesky").collector.sample([Target("bluesky", _uri(post.key))]))


@pytest.mark.parametrize("fault", ["malformed", "html", "truncated", "empty"])
def test_bluesky_broken_body_is_bad_response(sim, sim_admin, make_collector, fault):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "bluesky", "queue": [fault]})
    with pytest.raises(BadResponse) as info:
        list(make_collector("bluesky").collector.sample([Target("bluesky", _uri(post.key))]))
    assert "\n" not in str(info.value)


def test_bluesky_against_real_samples(replay, make_collector):
    """The recorded getPosts and searchPosts answers, replayed over HTTP."""
    server = replay("bluesky", ["getPosts", "searchPosts_url"])
    collector = make_collector("bluesky", appview_url=server.url).collector
    keys = [
        "at://did:plc:4xq2zr7hpkb3mnd6xwla5oyt/app.bsky.feed.post/3lowzq6c2kc2x",
        "at://did:plc:k6fzp2y5gq4xw3b2r2ahf3zt/app.bsky.feed.post/3lowxx2dnbk2p",
        "at://did:plc:t7kq2m6c3vdpw4nnz5fsyh2e/app.bsky.feed.post/3lox3mkqzes2d",
    ]
    first, missing, third = collector.sample([Target("bluesky", k) for k in keys])
    assert isinstance(first, Sample)
    assert first.metrics == {"likes": 3120, "reposts": 668, "replies": 151, "quotes": 61, "bookmarks": 97}
    assert missing == Gone(Target("bluesky", keys[1]), "not_found")
    assert isinstance(third, Sample) and third.metrics["likes"] == 331
    assert server.requests[0].count("uris=") == 3
    found = list(collector.find_shares(Target("bluesky", ARTICLE, ARTICLE)))
    assert [d.author for d in found] == [
        "newsexample.bsky.social",
        "minji-drums.bsky.social",
        "taiko-kenji.jp",
    ]
    assert found[0].published_at == datetime(2025, 5, 12, 9, 31, 8, 512000, tzinfo=UTC)
    assert "cursor=" not in server.requests[-1] and "limit=100" in server.requests[-1]


def test_bluesky_real_429_sample_gives_retry_at_from_epoch_reset(replay, make_collector, shared_dir, clock):
    server = replay("bluesky", ["rate_limited_429"])
    meta = json.loads((shared_dir / "api-samples/bluesky/rate_limited_429.meta.json").read_text())
    with pytest.raises(RateLimited) as info:
        list(
            make_collector("bluesky", appview_url=server.url).collector.find_shares(
                Target("bluesky", ARTICLE, ARTICLE)
            )
        )
    # The sample's reset (May 2025) is already past on the test clock: the minimum back-off.
    assert datetime.fromtimestamp(int(meta["headers"]["ratelimit-reset"]), UTC) < clock.now()
    assert info.value.retry_at == clock.now() + MIN_THROTTLE_BACKOFF


def test_bluesky_xrpc_invalid_request_is_bad_response(sim, make_collector):
    posts = _live_posts(sim, 26)
    with pytest.raises(BadResponse) as info:
        list(make_collector("bluesky").collector.sample([Target("bluesky", _uri(p.key)) for p in posts]))
    assert info.value.status == 400 and "more than 25" in str(info.value)
