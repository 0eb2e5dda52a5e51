"""Hacker News over real HTTP against the simulator and the shared real samples."""

from __future__ import annotations

import pytest

from tracker.collector import Gone, Sample, Target
from tracker.errors import BadResponse, RateLimited, Unreachable


def _first_post(sim):
    post = next(p for p in sim.world.posts["hackernews"].values() if p.created_at <= sim.world.now())
    return post


def test_hackernews_item_sample_maps_score_and_descendants(sim, make_collector):
    post = _first_post(sim)
    active = make_collector("hackernews")
    [record] = list(active.collector.sample([Target("hackernews", post.key)]))
    assert isinstance(record, Sample)
    counts = sim.world.engagement(post)
    assert record.metrics == {"score": max(1, counts["interactions"]), "comments": counts["comments"]}
    assert active.http.stats.requests == 1


def test_hackernews_unknown_id_null_body_is_gone(make_collector):
    active = make_collector("hackernews")
    [record] = list(active.collector.sample([Target("hackernews", "1")]))
    assert isinstance(record, Gone) and record.reason == "not_found"


def test_hackernews_deleted_item_is_gone(sim, sim_admin, make_collector):
    sim_admin("posts", {"platform": "hackernews", "key": "99000001", "deleted": True})
    active = make_collector("hackernews")
    [record] = list(active.collector.sample([Target("hackernews", "99000001")]))
    assert isinstance(record, Gone) and record.reason == "deleted"


def test_hackernews_find_shares_keeps_only_exact_canonical_url(sim, sim_admin, make_collector):
    post = _first_post(sim)
    # A story linking a longer URL that contains every token of the article's URL.
    sim_admin(
        "posts", {"platform": "hackernews", "key": "99000002", "article_url": post.article_url + "?page=2"}
    )
    active = make_collector("hackernews")
    found = list(active.collector.find_shares(Target("hackernews", post.article_url, post.article_url)))
    keys = {d.item_key for d in found}
    assert post.key in keys and "99000002" not in keys
    assert all(d.links_to == post.article_url for d in found)


@pytest.mark.parametrize("fault", ["500", "timeout"])
def test_hackernews_transient_fault_then_success(sim, sim_admin, make_collector, fault):
    post = _first_post(sim)
    sim_admin("faults", {"platform": "hackernews", "queue": [fault]})
    active = make_collector("hackernews")
    [record] = list(active.collector.sample([Target("hackernews", post.key)]))
    assert isinstance(record, Sample)
    assert active.http.stats.retries == 1


def test_hackernews_persistent_5xx_is_unreachable(sim, sim_admin, make_collector):
    post = _first_post(sim)
    sim_admin("faults", {"platform": "hackernews", "queue": ["503", "503", "503"]})
    with pytest.raises(Unreachable):
        list(make_collector("hackernews").collector.sample([Target("hackernews", post.key)]))


def test_hackernews_429_raises_rate_limited(sim, sim_admin, make_collector):
    post = _first_post(sim)
    sim_admin("faults", {"platform": "hackernews", "queue": ["429"]})
    with pytest.raises(RateLimited):
        list(make_collector("hackernews").collector.sample([Target("hackernews", post.key)]))


@pytest.mark.parametrize("fault", ["malformed", "html", "truncated", "empty"])
def test_hackernews_broken_body_is_bad_response(sim, sim_admin, make_collector, fault):
    post = _first_post(sim)
    sim_admin("faults", {"platform": "hackernews", "queue": [fault]})
    with pytest.raises(BadResponse) as info:
        list(make_collector("hackernews").collector.sample([Target("hackernews", post.key)]))
    assert "\n" not in str(info.value)


def test_hackernews_front_page_rank_is_a_gauge(sim, make_collector):
    records = list(make_collector("hackernews").collector.discover({}))
    assert records and all(isinstance(r, Sample) and not r.metrics for r in records)
    assert [r.gauges["rank"] for r in records[:3]] == [1.0, 2.0, 3.0]


def test_hackernews_against_real_samples(replay, make_collector):
    """The real Firebase and Algolia answers, replayed over HTTP, give the same records."""
    server = replay("hackernews")
    active = make_collector("hackernews", algolia_url=server.url, firebase_url=server.url)
    [record] = list(active.collector.sample([Target("hackernews", "8863")]))
    assert isinstance(record, Sample) and record.metrics == {"score": 111, "comments": 71}
    found = list(
        active.collector.find_shares(
            Target("hackernews", "https://antirez.com/news/154", "https://antirez.com/news/154")
        )
    )
    assert [d.item_key for d in found] == ["44623953"]
