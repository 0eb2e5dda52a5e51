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
