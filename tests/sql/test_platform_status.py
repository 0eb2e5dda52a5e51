"""One rule for a platform's state (sql: platform_status_at / platform_status): the runner
enforces what `tracker status` and the Health page show, and an expired throttle is neither
shown nor enforced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from dashboards.data import Data
from tracker import runlog
from tracker.cli import main
from tracker.clock import FrozenClock
from tracker.config import Config
from tracker.runner import Collection, platform_available
from tracker.store import Store


def _states(store: Store, as_of: datetime) -> dict[str, tuple[str, str | None, datetime | None]]:
    rows = store.df("select platform, state, note, blocked_until from platform_status_at($t)", {"t": as_of})
    return {platform: (state, note, until) for platform, state, note, until in rows.rows()}


def test_each_state_and_its_note(tmp_path: Path) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    until = now + timedelta(minutes=10)
    with Store.open(tmp_path / "a.duckdb") as store:
        runlog.set_platform_state(store, "x", now, blocked_until=until, blocked_reason="429 from api.x.com")
        runlog.set_platform_state(store, "reddit", now, disabled_reason="401 from oauth.reddit.com")
        runlog.set_platform_state(store, "youtube", now, disabled_reason="off: credential api_key missing")
        runlog.set_platform_state(store, "bluesky", now, blocked_until=now - timedelta(seconds=1))
        assert _states(store, now) == {
            "x": ("blocked", "429 from api.x.com", until),
            "reddit": ("disabled", "401 from oauth.reddit.com", None),
            "youtube": ("off", "off: credential api_key missing", None),
            "bluesky": ("ok", None, None),
        }
        # The block ends at blocked_until: from then on x is ok, with no note and no date.
        assert _states(store, until)["x"] == ("ok", None, None)
        assert _states(store, until - timedelta(microseconds=1))["x"][0] == "blocked"


def test_an_expired_throttle_is_neither_shown_nor_enforced(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    wall = datetime.now(UTC)
    with Store.open(path) as store:
        runlog.start_run(store, "x", "sample", wall - timedelta(hours=1))
        runlog.set_platform_state(
            store,
            "x",
            wall - timedelta(hours=1),
            blocked_until=wall - timedelta(minutes=5),
            blocked_reason="429",
        )
        clock = FrozenClock(wall)
        ctx = Collection(store, Config(), {}, clock)
        assert platform_available(ctx, "x") is None  # the runner asks again
        health = Data(store, clock, ttl_s=0).health().row(0, named=True)
        assert (health["state"], health["note"], health["blocked_until"]) == ("ok", None, None)
        assert store.df("select state, note from platform_status").rows() == [("ok", None)]
        # Seen from before the reset (a frozen clock), the same row is a block the runner enforces.
        earlier = FrozenClock(wall - timedelta(minutes=30))
        assert platform_available(Collection(store, Config(), {}, earlier), "x") == (
            f"throttled until {wall - timedelta(minutes=5):%Y-%m-%d %H:%M:%S} UTC"
        )
        assert Data(store, earlier, ttl_s=0).health().row(0, named=True)["state"] == "blocked"
    # `tracker status` no longer prints the old throttle note.
    result = CliRunner().invoke(main, ["--db", str(path), "status", "--format", "csv"])
    assert result.exit_code == 0, result.output
    header, row = result.stdout.strip().splitlines()[-2:]
    status = dict(zip(header.split(","), row.split(","), strict=True))
    assert (status["platform"], status["state"], status["note"], status["blocked_until"]) == (
        "x",
        "ok",
        "",
        "",
    )


def _round(store: Store, platform: str, at: datetime, status: str, error: str | None = None) -> None:
    run_id = runlog.start_run(store, platform, "sample", at)
    if error is not None:
        runlog.record_error(store, run_id, platform, None, at, "Unreachable", error)
    runlog.finish_run(store, run_id, at + timedelta(seconds=1), {}, 0, int(error is not None), status)


def test_a_platform_whose_rounds_keep_failing_is_degraded_backed_off_and_recovers(tmp_path: Path) -> None:
    t0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    path = tmp_path / "a.duckdb"
    with Store.open(path) as store:
        at = t0
        for i in range(4):
            _round(store, "reddit", at, "failed", f"oauth.reddit.com timed out ({i})")
            at += timedelta(minutes=1)
        _round(store, "reddit", at, "rate_limited")  # a throttle is not a failure, nor a success
        _round(store, "hackernews", at, "ok")
        assert "reddit" not in _states(store, at + timedelta(seconds=2))  # no state row: ok
        _round(store, "reddit", at, "failed", "oauth.reddit.com timed out (last)")
        last_end = at + timedelta(seconds=1)
        # Five failed rounds in a row: degraded with its last error, and backed off for 60 s.
        state, note, until = _states(store, last_end)["reddit"]
        assert state == "degraded" and until == last_end + timedelta(seconds=60)
        assert note == "5 failed rounds in a row; last error: oauth.reddit.com timed out (last)"
        assert "hackernews" not in _states(store, last_end)
        ctx = Collection(store, Config(), {}, FrozenClock(last_end + timedelta(seconds=30)))
        assert platform_available(ctx, "reddit") == (
            f"degraded, backing off until {until:%Y-%m-%d %H:%M:%S} UTC"
        )
        # When the back-off has passed it is still degraded, but one round may probe it.
        probe_at = last_end + timedelta(seconds=61)
        assert _states(store, probe_at)["reddit"][0] == "degraded"
        later = FrozenClock(probe_at + timedelta(hours=3))
        assert platform_available(Collection(store, Config(), {}, later), "reddit") is None
        # Each further failure doubles the back-off (60, 120, 240 s ...), up to an hour.
        for failures, backoff_s in ((6, 120), (7, 240), (8, 480)):
            _round(store, "reddit", probe_at, "failed", "still down")
            _, note, until = _states(store, probe_at + timedelta(seconds=1))["reddit"]
            assert until == probe_at + timedelta(seconds=1 + backoff_s)
            assert note.startswith(f"{failures} failed rounds in a row")
            probe_at = until + timedelta(seconds=1)
        for _ in range(20):
            _round(store, "reddit", probe_at, "failed", "still down")
        assert _states(store, probe_at + timedelta(seconds=1))["reddit"][2] == probe_at + timedelta(
            seconds=1 + 3600
        )
        # The Health page and the runner read the same rule.
        health = Data(store, FrozenClock(probe_at), ttl_s=0).health()
        assert dict(health.select("platform", "state").rows())["reddit"] == "degraded"
        # One round that succeeds (even partly) and it is ok again.
        _round(store, "reddit", probe_at + timedelta(hours=2), "partial")
        assert "reddit" not in _states(store, probe_at + timedelta(hours=3))
        later = FrozenClock(probe_at + timedelta(hours=3))
        assert platform_available(Collection(store, Config(), {}, later), "reddit") is None
        # A block or a disable still takes precedence over the breaker.
        for _ in range(5):
            _round(store, "x", t0, "failed", "x down")
        runlog.set_platform_state(store, "x", t0, disabled_reason="401 from api.x.com")
        assert _states(store, t0 + timedelta(minutes=5))["x"] == ("disabled", "401 from api.x.com", None)
