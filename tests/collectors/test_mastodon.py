"""Mastodon over real HTTP against the simulated instance and the shared real samples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from tests.replay import ReplayServer
from tracker.collector import Discovery, Gone, Sample, Target
from tracker.errors import AuthFailed, BadResponse, RateLimited, Unreachable
from tracker.ratelimit import MIN_THROTTLE_BACKOFF

ARTICLE = "https://news.example.com/2025/05/12/seoul-tokyo-drum-duet-goes-viral/"


def _host(sim) -> str:
    return urlsplit(sim.url).netloc


def _live_posts(sim, n):
    now = sim.world.now()
    posts = [
        p for p in sim.world.posts["mastodon"].values() if p.created_at <= now and not sim.world.is_gone(p)
    ]
    assert len(posts) >= n
    return posts[:n]


def _target(sim, post_key: str) -> Target:
    return Target("mastodon", f"{_host(sim)}/{post_key}")


def _expected(sim, post):
    counts = sim.world.engagement(post)
    return {
        "reposts": counts["reposts"],
        "likes": counts["interactions"],
        "replies": counts["replies"],
        "quotes": counts["quotes"],
    }


def _fake(sim):
    return next(f for f in sim.app.fakes if f.NAME == "mastodon")


def test_mastodon_one_status_is_one_request_with_exact_counts(sim, make_collector):
    [post] = _live_posts(sim, 1)
    active = make_collector("mastodon")
    [record] = active.collector.sample([_target(sim, post.key)])
    assert isinstance(record, Sample) and record.item_key == f"{_host(sim)}/{post.key}"
    assert record.metrics == _expected(sim, post)
    assert active.http.stats.requests == 1


def test_mastodon_batch_of_20_is_one_id_array_request(sim, make_collector):
    posts = _live_posts(sim, 20)
    active = make_collector("mastodon")
    records = list(active.collector.sample([_target(sim, p.key) for p in posts]))
    assert active.http.stats.requests == 1
    assert {r.item_key: r.metrics for r in records} == {
        f"{_host(sim)}/{p.key}": _expected(sim, p) for p in posts
    }


def test_mastodon_empty_target_list_makes_no_request(make_collector):
    active = make_collector("mastodon")
    assert list(active.collector.sample([])) == []
    assert active.http.stats.requests == 0


def test_mastodon_deleted_status_404_is_gone(sim, sim_admin, make_collector):
    sim_admin("posts", {"platform": "mastodon", "key": "114999000000000001", "deleted": True})
    target = _target(sim, "114999000000000001")
    assert list(make_collector("mastodon").collector.sample([target])) == [Gone(target, "not_found")]


def test_mastodon_batch_leaves_out_private_and_unknown_statuses(sim, sim_admin, make_collector):
    [post] = _live_posts(sim, 1)
    sim_admin("posts", {"platform": "mastodon", "key": "114999000000000002", "private": True})
    live, private, unknown = (_target(sim, k) for k in (post.key, "114999000000000002", "42"))
    records = {
        r.item_key if isinstance(r, Sample) else r.target.item_key: r
        for r in make_collector("mastodon").collector.sample([live, private, unknown])
    }
    assert records[live.item_key].metrics == _expected(sim, post)
    assert records[private.item_key] == Gone(private, "not_found")
    assert records[unknown.item_key] == Gone(unknown, "not_found")


def test_mastodon_identify_configured_instances_under_their_path(sim, make_collector):
    collector = make_collector("mastodon").collector
    base = sim.url + "/mastodon"
    assert collector.identify(f"{base}/@user123/114000000000010000") == f"{_host(sim)}/114000000000010000"
    assert (
        collector.identify(f"{base}/users/user123/statuses/114000000000010000")
        == f"{_host(sim)}/114000000000010000"
    )
    assert collector.identify(f"{base}/@someone@other.example/5") == f"{_host(sim)}/5"
    assert collector.identify(f"{base}/web/statuses/114000000000010000") == f"{_host(sim)}/114000000000010000"
    assert collector.identify(f"{base}/@user123") is None
    # The configured host is known by its path: a root URL there is no second instance.
    assert collector.identify(f"{sim.url}/@user123/114000000000010000") is None


SNOWFLAKE = "114000000000010000"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (f"https://fosstodon.org/@user/{SNOWFLAKE}", f"fosstodon.org/{SNOWFLAKE}"),
        (f"https://FOSStodon.org/@user/{SNOWFLAKE}/", f"fosstodon.org/{SNOWFLAKE}"),
        (f"https://hachyderm.io/users/someone/statuses/{SNOWFLAKE}", f"hachyderm.io/{SNOWFLAKE}"),
        (f"https://social.example:8443/web/statuses/{SNOWFLAKE}", f"social.example:8443/{SNOWFLAKE}"),
        (f"https://mastodon.online/@Gargron/{SNOWFLAKE}?lang=en", f"mastodon.online/{SNOWFLAKE}"),
        (f"http://[2001:db8::1]/@u/{SNOWFLAKE}", None),  # documentation range: not public
        # Not a status: too short for a snowflake, or not the exact path shape at the root.
        ("https://mastodon.online/@Gargron/1", None),
        ("https://news.example.com/@author/12345", None),
        (f"https://news.example.com/2025/05/12/story-{SNOWFLAKE}/", None),
        (f"https://news.example.com/section/@user/{SNOWFLAKE}", None),
        (f"https://news.example.com/@user/{SNOWFLAKE}/comments", None),
        (f"https://news.example.com/articles/{SNOWFLAKE}", None),
        (f"https://news.example.com/@user/{SNOWFLAKE}0000", None),  # 22 digits
        (f"ftp://fosstodon.org/@user/{SNOWFLAKE}", None),
        # Not public, not a place for an instance (tracker.netguard's rules).
        (f"http://127.0.0.1:3000/@user/{SNOWFLAKE}", None),
        (f"http://2130706433/@user/{SNOWFLAKE}", None),
        (f"http://10.1.2.3/@user/{SNOWFLAKE}", None),
        (f"http://169.254.169.254/@user/{SNOWFLAKE}", None),
        (f"http://mastodon.local/@user/{SNOWFLAKE}", None),
        (f"http://localhost/@user/{SNOWFLAKE}", None),
    ],
)
def test_mastodon_identify_statuses_on_instances_not_in_the_config(make_collector, url, key):
    assert make_collector("mastodon", instances=("https://mastodon.example",)).collector.identify(url) == key


def test_mastodon_status_on_an_unconfigured_instance_is_sampled_through_its_own_origin(sim, make_collector):
    """The simulator's root is an instance no config names: the status URL alone adds it."""
    posts = _live_posts(sim, 3)
    active = make_collector("mastodon", instances=("https://mastodon.example",), allow_private=True)
    urls = [f"{sim.url}/@{p.author}/{p.key}" for p in posts]
    targets = [Target("mastodon", active.collector.identify(u), u) for u in urls]
    assert [t.item_key for t in targets] == [f"{_host(sim)}/{p.key}" for p in posts]
    records = list(active.collector.sample(targets))
    assert {r.item_key: r.metrics for r in records} == {
        t.item_key: _expected(sim, p) for t, p in zip(targets, posts, strict=True)
    }
    assert active.http.stats.requests == 1  # one id[] batch at the adopted instance's root
    adopted = active.collector.adopted[_host(sim)]
    assert adopted.base_url == sim.url and "Authorization" not in adopted.client.headers
    assert _host(sim) not in active.collector.instances  # trending links still come from the config only


def test_mastodon_adopted_and_configured_instances_batch_and_budget_apart(sim, make_collector, replay):
    from tracker.runner import batches

    server = replay("mastodon", ["status"])
    [post] = _live_posts(sim, 1)
    active = make_collector(
        "mastodon",
        instances=(server.url,),
        allow_private=True,
        env={"MASTODON_ACCESS_TOKEN": "tok-first-only"},
    )
    adopted_url = f"{sim.url}/@{post.author}/{post.key}"
    targets = [
        Target("mastodon", f"{urlsplit(server.url).netloc}/114495612783370265"),
        Target("mastodon", active.collector.identify(adopted_url), adopted_url),
    ]
    assert [len(b) for b in batches(active, targets, lambda t: t)] == [1, 1]
    records = list(active.collector.sample(targets))
    assert all(isinstance(r, Sample) for r in records) and active.http.stats.requests == 2
    configured = active.collector.instances[urlsplit(server.url).netloc]
    adopted = active.collector.adopted[_host(sim)]
    assert active.http.bucket(configured.host) is not active.http.bucket(adopted.host)
    assert "Authorization" in configured.client.headers and "Authorization" not in adopted.client.headers


def test_mastodon_unconfigured_instance_at_a_private_address_is_never_asked(sim, make_collector):
    [post] = _live_posts(sim, 1)
    active = make_collector("mastodon", instances=("https://mastodon.example",))  # allow_private off
    url = f"{sim.url}/@{post.author}/{post.key}"
    assert active.collector.identify(url) is None
    target = Target("mastodon", f"{_host(sim)}/{post.key}", url)
    assert list(active.collector.sample([target])) == [Gone(target, "not_found")]
    assert active.http.stats.requests == 0


def test_mastodon_adopted_instance_name_that_is_not_public_is_refused_before_any_request(make_collector):
    active = make_collector("mastodon", instances=("https://mastodon.example",))
    url = f"https://status.invalid/@user/{SNOWFLAKE}"
    target = Target("mastodon", active.collector.identify(url), url)
    with pytest.raises(BadResponse, match=r"status\.invalid does not resolve"):
        list(active.collector.sample([target]))
    assert active.http.stats.requests == 0


def test_mastodon_default_instance_is_mastodon_social(clock):
    from tracker.assembly import build_platform
    from tracker.config import PlatformConfig
    from tracker.registry import load
    from tracker.secrets import Redactor

    platform = load(entry_point_group=None)["mastodon"]
    active = build_platform(platform, PlatformConfig("mastodon"), clock, Redactor(), environ={})
    collector = active.collector
    assert collector.identify("https://mastodon.social/@Gargron/1") == "mastodon.social/1"
    assert collector.identify("https://mastodon.social/users/Gargron/statuses/1") == "mastodon.social/1"
    assert collector.identify("https://mastodon.online/@Gargron/1") is None


def test_mastodon_trending_links_give_article_discoveries_shares_and_rank(sim, make_collector):
    active = make_collector("mastodon")
    records = list(active.collector.discover({}))
    assert active.http.stats.requests == 1
    found = [r for r in records if isinstance(r, Discovery)]
    samples = [r for r in records if isinstance(r, Sample)]
    assert found and len(found) == len(samples) <= 20
    assert all(d.kind == "article" and d.item_key == f"{_host(sim)}/link:{d.links_to}" for d in found)
    assert [s.gauges["rank"] for s in samples] == [float(i) for i in range(1, len(samples) + 1)]
    # Shares are the week's uses: one per status linking the article plus its boosts.
    now = sim.world.now()
    for discovery, sample in zip(found, samples, strict=True):
        assert "?utm_source" not in discovery.links_to
        linking = [
            p
            for p in sim.world.posts["mastodon"].values()
            if p.article_url == discovery.links_to
            and p.created_at <= now
            and not sim.world.is_gone(p)
            and (now - p.created_at).days < 7
        ]
        assert sample.item_key == discovery.item_key
        assert sample.metrics == {"shares": sum(1 + sim.world.engagement(p)["reposts"] for p in linking)}


def test_mastodon_trend_items_are_retired_from_id_sampling_without_a_request(sim, make_collector):
    active = make_collector("mastodon")
    target = Target("mastodon", f"{_host(sim)}/link:https://news.example.com/a/")
    assert list(active.collector.sample([target])) == [Gone(target, "removed")]
    assert active.http.stats.requests == 0


def test_mastodon_429_retry_at_follows_iso_reset(sim, sim_admin, make_collector):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "mastodon", "queue": ["429"]})
    with pytest.raises(RateLimited) as info:
        list(make_collector("mastodon").collector.sample([_target(sim, post.key)]))
    _, reset = _fake(sim).counter.peek()
    assert abs((info.value.retry_at - datetime.fromtimestamp(reset, UTC)).total_seconds()) < 1e-3


def test_mastodon_headers_count_down_with_iso_reset(sim):
    import httpx

    first = httpx.get(f"{sim.url}/mastodon/api/v1/statuses/1")
    second = httpx.get(f"{sim.url}/mastodon/api/v1/statuses/1")
    assert first.status_code == 404 and first.json() == {"error": "Record not found"}
    assert int(second.headers["x-ratelimit-remaining"]) == int(first.headers["x-ratelimit-remaining"]) - 1
    assert first.headers["x-ratelimit-limit"] == "300"
    assert (
        datetime.fromisoformat(first.headers["x-ratelimit-reset"].replace("Z", "+00:00")).tzinfo is not None
    )


@pytest.mark.parametrize("fault", ["500", "timeout"])
def test_mastodon_transient_fault_then_success(sim, sim_admin, make_collector, fault):
    [post] = _live_posts(sim, 1)
    sim_admin("faults", {"platform": "mastodon", "queue": [fault]})
    active = make_collector("mastodon")
    [record] = active.collector.sample([_target(sim, post.key)])
    assert isinstance(record, Sample) and record.metrics == _expected(sim, post)
    assert active.http.stats.retries == 1


def test_mastodon_persistent_5xx_is_unreachable(sim, sim_admin, make_collector):
    sim_admin("faults", {"platform": "mastodon", "queue": ["503", "503", "503"]})
    with pytest.raises(Unreachable):
        list(make_collector("mastodon").collector.discover({}))


@pytest.mark.parametrize("fault", ["malformed", "html", "truncated", "empty"])
def test_mastodon_broken_body_is_bad_response(sim, sim_admin, make_collector, fault):
    posts = _live_posts(sim, 2)
    sim_admin("faults", {"platform": "mastodon", "queue": [fault]})
    with pytest.raises(BadResponse) as info:
        list(make_collector("mastodon").collector.sample([_target(sim, p.key) for p in posts]))
    assert "\n" not in str(info.value)


def test_mastodon_token_goes_only_to_the_first_instance_and_401_is_auth_failed(sim, make_collector, tmp_path):
    # A second "instance" that answers 401 to anything, recording what it was sent.
    (tmp_path / "denied.json").write_text(json.dumps({"error": "The access token is invalid"}))
    (tmp_path / "denied.meta.json").write_text(
        json.dumps(
            {
                "path_and_query": "/api/v1/trends/links",
                "status": 401,
                "headers": {"content-type": "application/json"},
            }
        )
    )
    other = ReplayServer(tmp_path)
    try:
        active = make_collector(
            "mastodon",
            env={"MASTODON_ACCESS_TOKEN": "tok-secret-123"},
            instances=(other.url, sim.url + "/mastodon"),
        )
        with pytest.raises(AuthFailed) as info:
            list(active.collector.discover({}))
        assert "tok-secret-123" not in str(info.value)
        assert (
            active.collector.instances[urlsplit(other.url).netloc].client.headers["Authorization"]
            == "Bearer tok-secret-123"
        )
        assert "Authorization" not in active.collector.instances[_host(sim)].client.headers
    finally:
        other.close()


def test_mastodon_statuses_of_two_instances_cost_one_request_each(sim, make_collector, replay):
    server = replay("mastodon", ["status"])
    posts = _live_posts(sim, 2)
    active = make_collector("mastodon", instances=(sim.url + "/mastodon", server.url))
    targets = [_target(sim, p.key) for p in posts] + [
        Target("mastodon", f"{urlsplit(server.url).netloc}/114495612783370265")
    ]
    records = list(active.collector.sample(targets))
    assert len(records) == 3 and all(isinstance(r, Sample) for r in records)
    assert active.http.stats.requests == 2


def test_mastodon_against_real_samples(replay, make_collector):
    """The recorded status and trends answers, replayed over HTTP."""
    server = replay("mastodon", ["status", "trends_links"])
    host = urlsplit(server.url).netloc
    collector = make_collector("mastodon", instances=(server.url,)).collector
    [record] = collector.sample([Target("mastodon", f"{host}/114495612783370265")])
    assert isinstance(record, Sample)
    assert record.metrics == {"reposts": 318, "likes": 1042, "replies": 23, "quotes": 7}
    records = list(collector.discover({}))
    discoveries = [r for r in records if isinstance(r, Discovery)]
    samples = [r for r in records if isinstance(r, Sample)]
    assert discoveries[0].links_to == ARTICLE and discoveries[0].item_key == f"{host}/link:{ARTICLE}"
    assert discoveries[0].author == "Jane Park" and discoveries[0].title.startswith("Seoul–Tokyo")
    assert discoveries[1].links_to == "https://nbcnews.com/specials/plan-your-vote-2022-elections/"
    assert [s.metrics["shares"] for s in samples] == [455 + 101, 7 + 23, 40 + 12]
    assert [s.gauges["rank"] for s in samples] == [1.0, 2.0, 3.0]
    assert "limit=20" in server.requests[-1]


def test_mastodon_real_429_sample_gives_retry_at_from_iso_reset(replay, make_collector, shared_dir, clock):
    server = replay("mastodon", ["rate_limited_429"])
    meta = json.loads((shared_dir / "api-samples/mastodon/rate_limited_429.meta.json").read_text())
    with pytest.raises(RateLimited) as info:
        list(make_collector("mastodon", instances=(server.url,)).collector.discover({}))
    # The sample's reset (May 2025) is already past on the test clock: the minimum back-off.
    assert datetime.fromisoformat(meta["headers"]["x-ratelimit-reset"].replace("Z", "+00:00")) < clock.now()
    assert info.value.retry_at == clock.now() + MIN_THROTTLE_BACKOFF


def test_mastodon_non_numeric_history_count_is_bad_response(tmp_path, make_collector, shared_dir):
    links = json.loads((shared_dir / "api-samples/mastodon/trends_links.json").read_text())
    links[0]["history"][0]["uses"] = "lots"
    (tmp_path / "trends.json").write_text(json.dumps(links))
    (tmp_path / "trends.meta.json").write_text(
        json.dumps({"path_and_query": "/api/v1/trends/links?limit=20", "status": 200, "headers": {}})
    )
    server = ReplayServer(tmp_path)
    try:
        with pytest.raises(BadResponse) as info:
            list(make_collector("mastodon", instances=(server.url,)).collector.discover({}))
        assert "'lots' is not a count" in str(info.value)
    finally:
        server.close()


def test_mastodon_forbidden_status_is_gone_private(tmp_path, make_collector):
    (tmp_path / "forbidden.json").write_text(json.dumps({"error": "This action is not allowed"}))
    (tmp_path / "forbidden.meta.json").write_text(
        json.dumps({"path_and_query": "/api/v1/statuses/7", "status": 403, "headers": {}})
    )
    server = ReplayServer(tmp_path)
    try:
        target = Target("mastodon", f"{urlsplit(server.url).netloc}/7")
        collector = make_collector("mastodon", instances=(server.url,)).collector
        assert list(collector.sample([target])) == [Gone(target, "private")]
    finally:
        server.close()
