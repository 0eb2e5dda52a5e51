"""Posts tracked while their platform could not name them yet (the Bluesky handle resolver down,
Reddit unreachable for a share link) are tracked anyway and re-keyed by the first sampling
round that reaches the resolver, keeping the item, its URL and every sample. The real store,
the real runner, the simulator over HTTP on 127.0.0.1 with its faults."""

from __future__ import annotations

import dataclasses

from tracker import catalog
from tracker.config import Config, PlatformConfig
from tracker.runner import sample_round
from tracker.service import open_collection, track
from tracker.simweb.bluesky import HANDLE_SUFFIX
from tracker.simweb.reddit import share_code, subreddit

RESOLVER_DOWN = ["503", "503", "503"]  # every try of one request (fast_http makes three)


def _opened(sim, tmp_path, clock, fast_http, names=("bluesky", "reddit")):
    overrides = sim.overrides()
    config = Config(platforms={n: PlatformConfig(n, True, overrides.get(n, {})) for n in names})
    config = dataclasses.replace(
        config,
        storage=dataclasses.replace(config.storage, path=str(tmp_path / "d.duckdb")),
        cadence=dataclasses.replace(config.cadence, min_interval_s=1),
    )
    return open_collection(config, clock=clock, environ={}, http_options=fast_http)


def _bluesky_posts(sim, n):
    now = sim.world.now()
    posts = [
        p for p in sim.world.posts["bluesky"].values() if p.created_at <= now and not sim.world.is_gone(p)
    ]
    return posts[:n]


def _handle_url(post) -> str:
    did, _, rkey = post.key.partition("/")
    return f"https://bsky.app/profile/{did.removeprefix('did:plc:')}{HANDLE_SUFFIX}/post/{rkey}"


def _uri(post) -> str:
    did, _, rkey = post.key.partition("/")
    return f"at://{did}/app.bsky.feed.post/{rkey}"


def _items(opened):
    return opened.collection.store.df(
        "select item_id, platform, item_key, url, gone_reason from items order by item_id"
    ).rows()


def test_bluesky_handle_tracked_while_the_resolver_is_down_is_rekeyed_at_sampling(
    sim, sim_admin, tmp_path, clock, fast_http
):
    [post] = _bluesky_posts(sim, 1)
    opened = _opened(sim, tmp_path, clock, fast_http)
    try:
        sim_admin("faults", {"platform": "bluesky", "queue": RESOLVER_DOWN})
        [row] = track(opened, [_handle_url(post)])
        assert not row.error and row.kind == "item" and row.created
        handle_key = row.key
        assert handle_key.startswith("at://") and HANDLE_SUFFIX in handle_key
        assert "not resolved yet" in row.note and "503" in row.note
        [(item_id, _, key, url, _)] = _items(opened)
        assert key == handle_key and url == _handle_url(post)

        result = sample_round(opened.collection, "bluesky", everything=True)
        assert result.status == "ok" and result.items == 1
        # Same item, same URL, the DID key; its sample stored under it; nothing else created.
        assert _items(opened) == [(item_id, "bluesky", _uri(post), _handle_url(post), None)]
        counts = sim.world.engagement(post)
        stored = dict(
            opened.collection.store.df(
                "select metric, value from samples where item_id = $id", {"id": item_id}
            ).rows()
        )
        assert stored["likes"] == counts["interactions"] and stored["reposts"] == counts["reposts"]
        # Tracking the DID URL now finds the same item.
        [again] = track(
            opened, [f"https://bsky.app/profile/{post.key.split('/')[0]}/post/{post.key.split('/')[1]}"]
        )
        assert not again.created and again.key == _uri(post)
    finally:
        opened.close()


def test_resolver_still_down_at_sampling_costs_one_request_and_the_items_wait(
    sim, sim_admin, tmp_path, clock, fast_http
):
    posts = _bluesky_posts(sim, 2)
    opened = _opened(sim, tmp_path, clock, fast_http)
    try:
        sim_admin("faults", {"platform": "bluesky", "queue": RESOLVER_DOWN * 2})
        rows = track(opened, [_handle_url(p) for p in posts])
        assert all(r.created and "not resolved yet" in r.note for r in rows)

        sim_admin("faults", {"platform": "bluesky", "queue": RESOLVER_DOWN})
        down = sample_round(opened.collection, "bluesky", everything=True)
        assert down.status == "failed" and down.errors == 1 and down.items == 0
        assert down.requests == 3  # one resolve request (three tries), not one per item
        assert [r[2] for r in _items(opened)] == [r.key for r in rows]  # still tracked, not gone
        assert all(r[4] is None for r in _items(opened))
        kind, key = opened.collection.store.df("select kind, item_key from run_errors").rows()[0]
        assert kind == "Unreachable" and key == rows[0].key

        up = sample_round(opened.collection, "bluesky", everything=True)
        assert up.status == "ok" and up.items == 2
        assert [r[2] for r in _items(opened)] == [_uri(p) for p in posts]
    finally:
        opened.close()


def test_one_post_tracked_by_handle_and_by_did_becomes_one_item_with_every_sample(
    sim, sim_admin, tmp_path, clock, fast_http
):
    [post] = _bluesky_posts(sim, 1)
    opened = _opened(sim, tmp_path, clock, fast_http)
    try:
        store = opened.collection.store
        did_id, _ = catalog.ensure_item(store, "bluesky", _uri(post), clock.now(), url="https://bsky.app/x")
        assert sample_round(opened.collection, "bluesky", everything=True).items == 1
        clock.advance(600)
        sim_admin("faults", {"platform": "bluesky", "queue": RESOLVER_DOWN})
        [row] = track(opened, [_handle_url(post)])
        handle_id = next(r[0] for r in _items(opened) if r[2] == row.key)
        # A sample the handle item got while it was apart (an older release sampled handle keys).
        store.cursor().execute(
            "insert into samples (item_id, metric, ts, value) values (?, 'likes', ?, 1)",
            [handle_id, clock.now()],
        )
        before = store.scalar("select count(*) from samples")
        clock.advance(600)
        result = sample_round(opened.collection, "bluesky", everything=True)
        assert result.status == "ok"
        assert [(r[0], r[2]) for r in _items(opened)] == [(did_id, _uri(post))]
        # Every earlier sample is kept, now under the one item, plus this round's.
        assert store.scalar("select count(*) from samples where item_id = $id", {"id": did_id}) > before
        assert store.scalar("select count(*) from samples where item_id = $id", {"id": handle_id}) == 0
    finally:
        opened.close()


def test_handle_that_no_longer_resolves_at_sampling_is_gone(sim, sim_admin, tmp_path, clock, fast_http):
    opened = _opened(sim, tmp_path, clock, fast_http)
    try:
        sim_admin("faults", {"platform": "bluesky", "queue": RESOLVER_DOWN})
        [row] = track(opened, ["https://bsky.app/profile/nobody.example.org/post/3lxyz"])
        assert row.created
        result = sample_round(opened.collection, "bluesky", everything=True)
        assert result.errors == 0
        assert [(r[2], r[4]) for r in _items(opened)] == [(row.key, "not_found")]
    finally:
        opened.close()


def test_unknown_handle_at_track_time_fails_that_url_only(sim, tmp_path, clock, fast_http):
    [post] = _bluesky_posts(sim, 1)
    opened = _opened(sim, tmp_path, clock, fast_http)
    try:
        bad, good = track(
            opened, ["https://bsky.app/profile/nobody.example.org/post/3lxyz", _handle_url(post)]
        )
        assert bad.kind == "error" and "does not resolve" in bad.error and "\n" not in bad.error
        assert good.created and good.key == _uri(post)
        assert [r[2] for r in _items(opened)] == [_uri(post)]
    finally:
        opened.close()


def test_reddit_share_link_tracked_while_reddit_is_down_is_resolved_and_sampled_later(
    sim, sim_admin, tmp_path, clock, fast_http
):
    now = sim.world.now()
    post = next(
        p
        for p in sim.world.posts["reddit"].values()
        if p.created_at <= now and not sim.world.is_gone(p) and not p.private
    )
    link = f"https://www.reddit.com/r/{subreddit(post)}/s/{share_code(post.key)}"
    opened = _opened(sim, tmp_path, clock, fast_http)
    try:
        sim_admin("faults", {"platform": "reddit", "queue": RESOLVER_DOWN})
        [row] = track(opened, [link])
        assert row.created and row.key == f"r/{subreddit(post)}/s/{share_code(post.key)}"
        result = sample_round(opened.collection, "reddit", everything=True)
        assert result.status == "ok" and result.items == 1
        [(_, _, key, url, gone)] = _items(opened)
        assert (key, url, gone) == (post.key, link, None)
    finally:
        opened.close()
