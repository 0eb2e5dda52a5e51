"""Shared fixtures: a real simulator on 127.0.0.1, collectors pointed at it, fresh DuckDB
files, a frozen clock, and the read-only shared samples and data sets."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tracker.assembly import Active, build_platform
from tracker.clock import FrozenClock
from tracker.config import PlatformConfig
from tracker.http import HTTPOptions
from tracker.ratelimit import RetryPolicy
from tracker.registry import load as load_registry
from tracker.secrets import Redactor
from tracker.simweb.server import SimConfig, SimServer, admin

# No per-example deadline, ever: on a loaded 2-core machine a URL property took 313 ms against
# Hypothesis's default 200 ms and failed a clean run. Speed is measured in bench/, not here.
# "ci" is the default; HYPOTHESIS_PROFILE=dev runs more examples, still without a deadline.
hypothesis_settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
hypothesis_settings.register_profile("dev", deadline=None, max_examples=500)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SIM_START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (api-samples, data). Read-only; never copied into the repo."""
    if not SHARED.exists():
        pytest.fail(f"shared material not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def sim() -> Iterator[SimServer]:
    """One simulator for the session: frozen clock (speed 0), 40 articles, short timeouts."""
    server = SimServer(SimConfig(n_articles=40, seed=3, speed=0.0, start=SIM_START, timeout_s=3.0)).start()
    yield server
    server.shutdown()


@pytest.fixture(autouse=True)
def _fresh_sim_limits(request: pytest.FixtureRequest) -> None:
    """Tests share one simulator; each starts with every platform's full rate-limit budget, so
    a test's outcome never depends on how many requests the tests before it made."""
    if "sim" in request.fixturenames:
        import httpx

        sim: SimServer = request.getfixturevalue("sim")
        httpx.delete(f"{sim.url}/_sim/limits", timeout=10).raise_for_status()


@pytest.fixture
def sim_admin(sim: SimServer) -> Iterator[Any]:
    """Call the simulator's admin API; queued faults are cleared after each test."""

    def call(path: str, payload: Mapping[str, Any] | None = None) -> Any:
        return admin(sim.url, path, payload)

    yield call
    import httpx

    httpx.delete(f"{sim.url}/_sim/faults", timeout=5)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))


@pytest.fixture
def fast_http() -> HTTPOptions:
    """Short timeouts and no real sleeping between retries, so fault tests run fast. The
    timeout is under the simulator's 3-s hang (the `timeout` fault still times out) but not so
    short that a loaded machine's slow answer is taken for one and retried: at load 20 answers
    took 1-1.8 s, and tests that count requests then saw 3 where one was made per batch."""
    return HTTPOptions(
        timeout_s=2.5,
        retry=RetryPolicy(attempts=3, base_s=0.0, cap_s=0.0, max_wait_s=0.5),
        sleep=lambda s: None,
    )


@pytest.fixture
def make_collector(sim: SimServer, clock: FrozenClock, fast_http: HTTPOptions) -> Any:
    """Build a registered platform's collector with its base URLs pointed at the simulator.

    `make_collector("reddit", env={"REDDIT_CLIENT_ID": "..."}, setting=value)` -> Active
    (`.collector`, `.http` with `.stats`, `.limits`).
    """
    platforms = load_registry(entry_point_group=None)

    def build(name: str, env: Mapping[str, str] | None = None, **settings: Any) -> Active:
        values = {**sim.overrides().get(name, {}), **settings}
        built = build_platform(
            platforms[name],
            PlatformConfig(name, True, values),
            clock,
            Redactor(),
            environ=dict(env or {}),
            http_options=fast_http,
        )
        assert isinstance(built, Active), built
        return built

    return build


@pytest.fixture
def replay(shared_dir: Path) -> Iterator[Any]:
    """`replay("reddit", ["by_id_t3"])` -> a ReplayServer answering with those real samples."""
    from tests.replay import ReplayServer

    servers: list[ReplayServer] = []

    def start(platform: str, names: list[str] | None = None) -> ReplayServer:
        server = ReplayServer(shared_dir / "api-samples" / platform, names)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def answer_at(tmp_path: Path) -> Iterator[Any]:
    """`answer_at(path, body, status=200, headers=None)` -> a ReplayServer answering `path` with a
    hand-written body over real HTTP, exactly as the shared samples are replayed."""
    import json

    from tests.replay import ReplayServer

    servers: list[ReplayServer] = []

    def serve(
        path: str, body: object, status: int = 200, headers: dict[str, str] | None = None
    ) -> ReplayServer:
        folder = tmp_path / f"answer{len(servers)}"
        folder.mkdir()
        (folder / "answer.json").write_text(json.dumps(body))
        meta = {
            "method": "GET",
            "path_and_query": path,
            "status": status,
            "headers": {"content-type": "application/json; charset=utf-8", **(headers or {})},
        }
        (folder / "answer.meta.json").write_text(json.dumps(meta))
        server = ReplayServer(folder)
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.close()
