"""`tracker status` and the Health page read one query (sql/queries/health.sql): per platform
last success, items tracked, due and overdue with how late, requests used against the budget,
error rate, last error and whether it is degraded; rounds run for real against the simulator."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from dashboards.data import Data
from tracker import catalog
from tracker.cli import main
from tracker.clock import FrozenClock
from tracker.config import Config, PlatformConfig
from tracker.runner import sample_round
from tracker.service import Opened, open_collection


def _opened(sim, tmp_path, clock, fast_http) -> Opened:
    overrides = sim.overrides()
    config = Config(platforms={n: PlatformConfig(n, True, overrides.get(n, {})) for n in ("hackernews", "x")})
    config = dataclasses.replace(
        config, storage=dataclasses.replace(config.storage, path=str(tmp_path / "s.duckdb"))
    )
    return open_collection(
        config, clock=clock, environ={"X_BEARER_TOKEN": "sim|token-123456"}, http_options=fast_http
    )


def _track(opened: Opened, sim, platform: str, late_s: list[float]) -> None:
    """Track one simulator post per entry, due that many seconds before now."""
    store, now = opened.collection.store, opened.collection.clock.now()
    posts = [p for p in sim.world.posts[platform].values() if p.created_at <= sim.world.now()][: len(late_s)]
    assert len(posts) == len(late_s)
    for post, late in zip(posts, late_s, strict=True):
        item_id, _ = catalog.ensure_item(store, platform, post.key, now)
        with store.transaction() as cur:
            cur.execute(
                "update items set next_due_at = ? where item_id = ?", [now - timedelta(seconds=late), item_id]
            )


def _status_json(path: str) -> dict[str, dict]:
    result = CliRunner().invoke(main, ["--db", path, "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    return {row["platform"]: row for row in json.loads(result.stdout)}


def test_status_and_health_page_show_the_same_per_platform_figures(sim, sim_admin, tmp_path, fast_http):
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))  # SQL's now() is the wall clock
    opened = _opened(sim, tmp_path, clock, fast_http)
    path = str(opened.collection.store.path)
    try:
        store = opened.collection.store
        _track(opened, sim, "hackernews", [600, 600, 300, 5, 2])
        _track(opened, sim, "x", [120, 60, 1])
        before = {r["platform"]: r for r in Data(store, clock, ttl_s=0).health().iter_rows(named=True)}
        hn = before["hackernews"]
        # Due: all five; overdue: late by more than one tick (15 s): three; median 300 s, max 600 s.
        assert (hn["tracked_items"], hn["due_now"], hn["overdue"]) == (5, 5, 3)
        assert (hn["median_late_s"], hn["max_late_s"]) == (300.0, 600.0)
        assert (hn["budget"], hn["window_s"], hn["allowed_last_hour"], hn["window_requests"]) == (
            10_000,
            3600.0,
            10_000,
            0,
        )
        assert hn["last_success_at"] is None and hn["state"] == "ok" and not hn["degraded"]

        assert sample_round(opened.collection, "hackernews").status == "ok"
        sim_admin("faults", {"platform": "x", "queue": ["429"]})
        assert sample_round(opened.collection, "x").status == "rate_limited"
        page = {r["platform"]: r for r in Data(store, clock, ttl_s=0).health().iter_rows(named=True)}
    finally:
        opened.close()

    status = _status_json(path)
    hn, x = status["hackernews"], status["x"]
    # Hacker News sampled every due item, one request each: nothing due, five requests used.
    assert (hn["due_now"], hn["overdue"], hn["median_late_s"]) == (0, 0, None)
    assert (hn["window_requests"], hn["requests_last_hour"], hn["recent_requests"]) == (5, 5, 5)
    assert hn["budget_used"] == 5 / 10_000 and hn["error_rate"] == 0.0
    assert hn["last_success_at"] is not None and hn["last_error"] is None
    assert (hn["state"], hn["degraded"]) == ("ok", False)
    # X answered 429: throttled (degraded) until its reset, the error kept, its items still due.
    assert (x["state"], x["degraded"], x["blocked_until"] is not None) == ("blocked", True, True)
    assert "429" in x["last_error"] and x["last_error_at"] is not None
    assert (x["recent_errors"], x["error_rate"], x["last_success_at"]) == (1, 1.0, None)
    assert (x["tracked_items"], x["due_now"], x["overdue"]) == (3, 3, 2)
    assert 120 <= x["max_late_s"] < 400  # as of the wall clock when `tracker status` ran
    assert (x["budget"], x["window_s"], x["allowed_last_hour"]) == (3500, 900.0, 14_000)
    # The Health page read the same query: the same figures.
    for platform in ("hackernews", "x"):
        for column in ("state", "degraded", "tracked_items", "recent_requests", "recent_errors", "budget"):
            assert page[platform][column] == status[platform][column], (platform, column)
        assert page[platform]["last_error"] == status[platform]["last_error"]


def test_status_prints_one_readable_block_per_platform(sim, sim_admin, tmp_path, fast_http):
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    opened = _opened(sim, tmp_path, clock, fast_http)
    path = str(opened.collection.store.path)
    try:
        _track(opened, sim, "hackernews", [0, 0])
        _track(opened, sim, "x", [600])
        assert sample_round(opened.collection, "hackernews").status == "ok"
        sim_admin("faults", {"platform": "x", "queue": ["429"]})
        assert sample_round(opened.collection, "x").status == "rate_limited"
    finally:
        opened.close()
    result = CliRunner().invoke(main, ["--db", path, "status"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "hackernews: ok\n" in text
    assert "  items: 2 tracked, 0 due, 0 overdue\n" in text
    assert (
        "  requests: 2 of 10,000 in the current 60 min window (0%); 2 of 10,000 allowed in the last hour"
        in text
    )
    assert "x: BLOCKED (" in text  # degraded states stand out, with their reason
    assert "  items: 1 tracked, 1 due, 1 overdue (late by median 10 min, max 10 min)\n" in text
    x = text.split("x: BLOCKED", 1)[1]
    assert "  errors: 1 in 1 requests of the last 1 round (100%)\n" in x
    assert "  last error " in x and "429" in x
    assert "youtube: off (credential api_key missing" in text
