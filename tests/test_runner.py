"""Rounds against the simulator: throttling blocks only that platform until its reset,
refused credentials disable it until the next start, and failures are recorded, not fatal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tracker import catalog, runlog
from tracker.clock import FrozenClock
from tracker.config import Config, PlatformConfig
from tracker.runner import platform_available, sample_round
from tracker.service import open_collection


def _opened(sim, tmp_path, clock, fast_http, names=("hackernews", "x"), max_interval_s=None):
    overrides = sim.overrides()
    config = Config(platforms={n: PlatformConfig(n, True, overrides.get(n, {})) for n in names})
    import dataclasses

    config = dataclasses.replace(
        config, storage=dataclasses.replace(config.storage, path=str(tmp_path / "r.duckdb"))
    )
    if max_interval_s is not None:  # resample every item at least this often, whatever its curve
        config = dataclasses.replace(
            config, cadence=dataclasses.replace(config.cadence, max_interval_s=max_interval_s)
        )
    return open_collection(
        config, clock=clock, environ={"X_BEARER_TOKEN": "sim|token-123456"}, http_options=fast_http
    )


def _track_posts(opened, sim, platform, n=2):
    now = opened.collection.clock.now()
    posts = [p for p in sim.world.posts[platform].values() if p.created_at <= sim.world.now()][:n]
    for post in posts:
        catalog.ensure_item(opened.collection.store, platform, post.key, now)
    return posts


def test_429_blocks_only_that_platform_until_its_reset(sim, sim_admin, tmp_path, clock, fast_http):
    opened = _opened(sim, tmp_path, clock, fast_http)
    try:
        _track_posts(opened, sim, "hackernews")
        _track_posts(opened, sim, "x")
        sim_admin("faults", {"platform": "x", "queue": ["429"]})
        x_round = sample_round(opened.collection, "x", everything=True)
        assert x_round.status == "rate_limited"
        assert platform_available(opened.collection, "x").startswith("throttled until")
        # Hacker News is not slowed: its round runs at once and samples everything.
        hn_round = sample_round(opened.collection, "hackernews", everything=True)
        assert hn_round.status == "ok" and hn_round.items == 2
        # While blocked, x's ticks do nothing (no thread waits); after the reset it collects again.
        assert sample_round(opened.collection, "x", everything=True).status == "skipped"
        until = runlog.blocked_until(opened.collection.store, "x")
        clock.advance((until - clock.now()).total_seconds() + 1)
        assert sample_round(opened.collection, "x", everything=True).status == "ok"
        runs = opened.collection.store.df("select platform, status from runs order by run_id").rows()
        assert runs == [("x", "rate_limited"), ("hackernews", "ok"), ("x", "ok")]
    finally:
        opened.close()


def test_refused_credentials_disable_until_next_start(sim, sim_admin, tmp_path, clock, fast_http):
    opened = _opened(sim, tmp_path, clock, fast_http, names=("x",))
    try:
        _track_posts(opened, sim, "x")
        x_fake = next(f for f in sim.app.fakes if f.NAME == "x")
        x_fake.revoked.add("sim|token-123456")  # the platform now refuses this token with a 401
        assert sample_round(opened.collection, "x", everything=True).status == "failed"
        assert "disabled" in platform_available(opened.collection, "x")
        error = opened.collection.store.df("select kind, message from run_errors").rows()
        [(kind, message)] = error
        assert kind == "AuthFailed" and "401" in message and "sim|token" not in message
    finally:
        opened.close()
        x_fake.revoked.discard("sim|token-123456")
    reopened = _opened(sim, tmp_path, clock, fast_http, names=("x",))
    try:
        assert platform_available(reopened.collection, "x") is None
    finally:
        reopened.close()


def test_bad_answer_is_recorded_and_the_items_wait_then_succeed(sim, sim_admin, tmp_path, clock, fast_http):
    opened = _opened(sim, tmp_path, clock, fast_http, names=("hackernews",))
    try:
        posts = _track_posts(opened, sim, "hackernews", n=1)
        sim_admin("faults", {"platform": "hackernews", "queue": ["html"]})
        result = sample_round(opened.collection, "hackernews")
        assert result.status == "failed" and result.errors == 1  # its only batch failed
        [(kind, item_key, message)] = opened.collection.store.df(
            "select kind, item_key, message from run_errors"
        ).rows()
        assert kind == "BadResponse" and item_key == posts[0].key and "HTTP 200" in message
        assert opened.collection.store.scalar("select count(*) from samples") == 0
        # Postponed, not dropped: later it is due again and sampled.
        assert sample_round(opened.collection, "hackernews").status == "idle"
        clock.advance(timedelta(minutes=10).total_seconds())
        assert sample_round(opened.collection, "hackernews").items == 1
    finally:
        opened.close()


def test_platforms_that_are_off_say_why_in_collector_health(sim, tmp_path, clock, fast_http):
    opened = _opened(sim, tmp_path, clock, fast_http, names=("hackernews",))
    try:
        health = dict(
            opened.collection.store.df("select platform, disabled_reason from collector_health").rows()
        )
        assert health["youtube"] == "off: credential api_key missing (set $YOUTUBE_API_KEY)"
        assert health["feeds"] == "off: no [[sites]] configured"
        assert "hackernews" not in health or health["hackernews"] is None
    finally:
        opened.close()


def test_one_rejected_item_fails_alone_and_its_batch_is_sampled(sim, tmp_path, clock, fast_http):
    """X rejects a whole ids= request for one non-numeric id (HTTP 400); the batch is halved
    until that id stands alone, and a 100 kB key never goes out at all."""
    opened = _opened(sim, tmp_path, clock, fast_http, names=("x",))
    try:
        store = opened.collection.store
        posts = _track_posts(opened, sim, "x", n=6)
        assert len(posts) == 6
        now = clock.now()
        catalog.ensure_item(store, "x", "not-a-tweet-id", now)
        catalog.ensure_item(store, "x", "1" * 100_000, now)
        result = sample_round(opened.collection, "x", everything=True)
        assert result.status == "partial"
        assert result.items == 6  # every good item in the rejected batch was sampled
        assert result.requests <= 1 + 2 * 3  # one batch of 7, then halves down to the bad one
        errors = store.df("select kind, item_key, message from run_errors order by item_key").rows()
        assert [(kind, key[:20]) for kind, key, _ in errors] == [
            ("CollectorError", "1" * 20),
            ("BadResponse", "not-a-tweet-id"),
        ]
        assert "longer than" in errors[0][2]
        sampled = set(
            store.df("select distinct i.item_key from samples join items i using (item_id)")["item_key"]
        )
        assert sampled == {p.key for p in posts}
        # Only the two bad items were postponed; the good ones are scheduled by the cadence policy.
        postponed = store.df(
            "select item_key from items where last_sampled_at is null and next_due_at > ?", [now]
        )["item_key"].to_list()
        assert sorted(k[:20] for k in postponed) == ["1" * 20, "not-a-tweet-id"]
    finally:
        opened.close()


def test_a_platform_that_keeps_failing_is_backed_off_then_recovers(
    sim, sim_admin, tmp_path, clock, fast_http
):
    opened = _opened(sim, tmp_path, clock, fast_http, names=("hackernews", "x"))
    try:
        ctx = opened.collection
        _track_posts(opened, sim, "hackernews", n=1)
        _track_posts(opened, sim, "x", n=1)
        sim_admin("faults", {"platform": "hackernews", "queue": ["html"] * 5})
        for _ in range(5):
            assert sample_round(ctx, "hackernews", everything=True).status == "failed"
            clock.advance(1)
        [(state, note)] = ctx.store.df(
            "select state, note from platform_status_at($t) where platform = 'hackernews'", {"t": clock.now()}
        ).rows()
        assert state == "degraded" and note.startswith("5 failed rounds in a row; last error: ")
        assert "HTTP 200" in note  # the BadResponse the fake's HTML answer caused
        # Backed off: its rounds are skipped without a request, and the other platform is not.
        skipped = sample_round(ctx, "hackernews", everything=True)
        assert skipped.status == "skipped" and skipped.messages[0].startswith("degraded, backing off until")
        assert sample_round(ctx, "x", everything=True).status == "ok"
        # After the back-off one round probes it; it succeeds, and the platform is ok again.
        clock.advance(61)
        assert sample_round(ctx, "hackernews", everything=True).status == "ok"
        assert platform_available(ctx, "hackernews") is None
        assert ctx.store.df(
            "select state from platform_status_at($t) where platform = 'hackernews'", {"t": clock.now()}
        ).rows() in ([], [("ok",)])
    finally:
        opened.close()


def _rounds(opened, clock, names, rounds, tick_s):
    """The daemon's sampling ticks, one after another: each platform's due items, every tick."""
    for _ in range(rounds):
        for name in names:
            sample_round(opened.collection, name)
        clock.advance(tick_s)
    store = opened.collection.store
    samples = dict(
        store.df(
            "select i.platform, count(distinct (s.item_id, s.ts)) from samples s join items i using (item_id) "
            "group by all"
        ).rows()
    )
    statuses = store.df("select platform, status, count(*) as n from runs group by all").rows()
    return samples, {(p, s): n for p, s, n in statuses}


def test_a_429_storm_on_one_platform_leaves_the_others_at_their_rate(sim, sim_admin, tmp_path, fast_http):
    """The same rounds twice from the same start, calm and with X answering 429 to most
    requests: Hacker News stores exactly as many samples in both; X far fewer."""
    names = ("hackernews", "x")
    start = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    outcomes = []
    for storm in (False, True):
        clock = FrozenClock(start)
        folder = tmp_path / ("storm" if storm else "calm")
        folder.mkdir()
        opened = _opened(sim, folder, clock, fast_http, names=names, max_interval_s=600.0)
        try:
            for name in names:
                assert len(_track_posts(opened, sim, name, n=10)) == 10
            if storm:
                sim_admin("faults", {"platform": "x", "rates": "429=0.9"})
            outcomes.append(_rounds(opened, clock, names, rounds=30, tick_s=60))
        finally:
            opened.close()
            httpx.delete(f"{sim.url}/_sim/faults", timeout=5)
    (calm, calm_runs), (stormy, storm_runs) = outcomes
    assert calm["hackernews"] >= 2 * 10  # every item sampled more than once in 30 minutes
    assert stormy["hackernews"] == calm["hackernews"]  # not one sample fewer
    assert storm_runs[("hackernews", "ok")] == calm_runs[("hackernews", "ok")]
    assert ("hackernews", "rate_limited") not in storm_runs
    assert calm["x"] >= 2 * 10 and ("x", "rate_limited") not in calm_runs
    assert storm_runs[("x", "rate_limited")] >= 1
    assert stormy.get("x", 0) < calm["x"] / 2
