"""One process owns the DuckDB file; everyone else goes through it. `tracker run` collects
and serves while `tracker sql`, `tracker track` and the dashboards' API answer, and a signal
stops it cleanly with nothing lost."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import duckdb
import httpx
import pytest

from tests.e2e_support import fake_credentials, sql_json, tracker, write_config
from tracker.owner.lock import current, owner_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_owner(sim, tmp_path, command: str, port: int = 0, export_every_s: float = 0):
    """Track the flagship article, then start `tracker <command>` and wait until it owns the file."""
    config = write_config(sim, tmp_path, port=port, export_every_s=export_every_s)
    flagship = next(a for a in sim.world.articles if "drum duet" in a.title)
    tracker(config, "track", flagship.url)
    return (config, *_launch(config, command))


def _launch(config, command: str):
    """Start `tracker <command>` on an existing config; wait until it owns the file and listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "--config", str(config), command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **fake_credentials()},
    )
    db = config.parent / "tracker.duckdb"
    deadline = time.monotonic() + 60
    while (owner := current(db)) is None or owner.url is None:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"tracker {command} did not start: {process.communicate()[1][-2000:]}")
        time.sleep(0.2)
    return db, process


@pytest.fixture
def running(sim, tmp_path):
    """`tracker run` in a subprocess, against the simulator, until the test ends."""
    port = _free_port()
    config, db, process = _start_owner(sim, tmp_path, "run", port)
    yield config, db, process, f"http://127.0.0.1:{port}"
    if process.poll() is None:
        process.kill()
        process.communicate()


def _wait_for_samples(config, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = sql_json(config, "select count(*) as n from samples")
        if rows[0]["n"] > 0:
            return rows[0]["n"]
        time.sleep(0.5)
    raise AssertionError("the daemon stored no samples")


def test_sql_answers_through_the_running_daemon(running):
    config, db, process, url = running
    _wait_for_samples(config)
    result = tracker(
        config, "sql", "SELECT * FROM most_popular(INTERVAL 24 HOUR) LIMIT 5", "--format", "json"
    )
    rows = json.loads(result.stdout)
    # Only the flagship article is tracked, so it leads the ranking the daemon has sampled.
    assert [(row["rank"], "drum duet" in row["title"].lower()) for row in rows] == [(1, True)]
    # The file itself is locked by its owner: a direct open fails, which is why we go through it.
    with pytest.raises(duckdb.IOException):
        duckdb.connect(str(db), read_only=True)
    # Hostile SQL through the daemon: one line, non-zero, and the daemon keeps going.
    bad = tracker(config, "sql", "DROP TABLE samples", check=False)
    assert bad.returncode != 0 and bad.stderr.count("\n") == 1
    assert process.poll() is None
    assert sql_json(config, "select count(*) as n from samples")[0]["n"] > 0


def test_track_goes_through_the_daemon_and_is_collected(running, sim):
    config, db, process, url = running
    other = next(
        a
        for a in sim.world.articles
        if "drum duet" not in a.title and sim.world.posts_linking("hackernews", a.url)
    )
    out = tracker(config, "track", other.url).stdout
    assert "now tracking: article" in out
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = sql_json(config, f"select count(*) as n from engagement where url = '{other.url}'")
        if rows[0]["n"]:
            break
        time.sleep(0.5)
    else:
        raise AssertionError("the newly tracked article was never sampled")


def test_dashboard_api_and_health_while_collecting(running):
    config, db, process, url = running
    _wait_for_samples(config)
    assert httpx.get(f"{url}/api/health", timeout=10).json()["ok"] is True
    top = httpx.get(f"{url}/api/most-popular", params={"window": "24h", "limit": 3}, timeout=10)
    assert top.status_code == 200 and top.json()["articles"]
    assert httpx.get(f"{url}/", timeout=10).status_code == 200


def test_metrics_and_canned_queries_through_the_running_daemon(running):
    import shutil

    config, db, process, url = running
    _wait_for_samples(config)
    exposition = httpx.get(f"{url}/metrics", timeout=30)
    assert exposition.status_code == 200
    assert exposition.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'tracker_samples_total{platform="' in exposition.text
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: `make test` installs Debian's prometheus package"
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=exposition.text, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    result = tracker(config, "query", "most_popular", "-p", "limit=1", "--format", "json")
    assert [row["rank"] for row in json.loads(result.stdout)] == [1]
    refused = tracker(config, "query", "most_popular", "-p", "limt=1", check=False)
    assert refused.returncode == 1 and "has no parameter 'limt'" in refused.stderr


def test_sigterm_stops_cleanly_and_keeps_every_sample(running):
    config, db, process, url = running
    stored = _wait_for_samples(config)
    asked = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    # Rounds in flight end after their current batch: no waiting out a platform's whole budget.
    assert time.monotonic() - asked < 15
    assert process.returncode == 0, stderr[-2000:]
    assert "stopped cleanly" in stderr
    assert current(db) is None
    # Now nothing owns the file: tracker sql opens it read-only itself, and every sample is there.
    assert sql_json(config, "select count(*) as n from samples")[0]["n"] >= stored
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from runs where status = 'running'").fetchall() == [(0,)]


def test_headless_collect_still_answers_sql_through_its_api(sim, tmp_path):
    """`tracker collect` (no dashboards) owns the file too, and serves the query API."""
    config, db, process = _start_owner(sim, tmp_path, "collect")
    try:
        _wait_for_samples(config)
        rows = sql_json(config, "select count(*) as n from articles")
        assert rows == [{"n": 1}]
        busy = tracker(config, "collect", "--once", check=False)
        assert busy.returncode != 0 and "already collecting" in busy.stderr
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-2000:]


def test_kill_9_leaves_nothing_that_blocks_a_restart(sim, tmp_path):
    """After kill -9 the owner file stays behind, naming a pid that may be alive again (PID 1
    always is in a container). It must not block `tracker sql`, `status` or the next `run`; the
    next owner closes the rounds the dead one left `running`. The Parquet export runs every
    half second meanwhile, on its own cursor, and never fails."""
    config, db, first = _start_owner(sim, tmp_path, "run", export_every_s=0.5)
    try:
        stored = _wait_for_samples(config)
        time.sleep(2)  # several exports while the daemon collects
    finally:
        first.kill()  # SIGKILL: no clean-up at all
        _, first_err = first.communicate(timeout=30)
    assert "job export failed" not in first_err, first_err[-2000:]
    assert (tmp_path / "tracker-export" / "samples.parquet").exists()
    stale = json.loads(owner_path(db).read_text())
    assert stale["pid"] == first.pid and stale["url"]
    owner_path(db).write_text(json.dumps({**stale, "pid": 1}))  # the pid now belongs to someone alive

    assert current(db) is None
    assert sql_json(config, "select count(*) as n from samples")[0]["n"] >= stored
    assert "(idle)" in tracker(config, "status").stderr
    left_running = sql_json(config, "select count(*) as n from runs where status = 'running'")[0]["n"]

    db_again, second = _launch(config, "run")
    try:
        owner = current(db)
        assert owner is not None and owner.pid == second.pid
        closed = sql_json(
            config,
            "select count(*) as n from runs where status = 'interrupted' and finished_at is not null",
        )
        assert closed == [{"n": left_running}]
        assert sql_json(config, "select count(*) as n from samples")[0]["n"] >= stored
    finally:
        second.send_signal(signal.SIGTERM)
        _, stderr = second.communicate(timeout=60)
    assert second.returncode == 0, stderr[-2000:]


def test_sigterm_drains_within_the_deadline_while_upstreams_hang(tmp_path):
    """Every platform answer hangs for two minutes: a stop still ends within the 10 s drain,
    says what it left, and the store opens afterwards with every committed row."""
    from tracker.simweb.server import SimConfig, SimServer, admin

    hanging = SimServer(SimConfig(n_articles=10, seed=5, speed=0.0, timeout_s=120.0)).start()
    process = None
    try:
        config, db, process = _start_owner(hanging, tmp_path, "run", _free_port())
        admin(hanging.url, "faults", {"rates": "timeout=1.0"})
        deadline = time.monotonic() + 30
        while not sql_json(config, "select count(*) as n from runs where finished_at is null")[0]["n"]:
            assert time.monotonic() < deadline, "no round started"
            time.sleep(0.5)
        time.sleep(2)  # the rounds are now inside requests that will not answer for two minutes
        asked = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        assert time.monotonic() - asked < 20, "the stop waited for the hanging upstreams"
        assert process.returncode == 0, stderr[-2000:]
        assert "still waiting on the network after 10s were left" in stderr
        assert current(db) is None
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("select count(*) from tracked_articles").fetchall()[0][0] == 1
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.communicate()
        hanging.shutdown()


@pytest.mark.slow
@pytest.mark.timeout(600)  # 20 daemon start-ups; 180-215 s on the shared machine under load
def test_twenty_kill_9_restarts_under_load_lose_nothing_and_duplicate_nothing(sim, tmp_path):
    """A collecting daemon killed with SIGKILL at random moments, 20 times: every sample it had
    committed (as seen through its own API just before the kill) is still there after, and no
    observation is stored twice."""
    import random

    config = write_config(sim, tmp_path, with_site=True)
    db = config.parent / "tracker.duckdb"
    rng = random.Random(20)
    committed = 0
    for cycle in range(20):
        _, process = _launch(config, "collect")
        try:
            time.sleep(rng.uniform(0.5, 2.5))  # somewhere in a round: fetching, writing, rescheduling
            seen = sql_json(config, "select count(*) as n from samples")[0]["n"]
            process.kill()
            process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        with duckdb.connect(str(db), read_only=True) as con:
            after, distinct = con.execute(
                "select count(*), count(distinct (item_id, metric, ts)) from samples"
            ).fetchall()[0]
        assert after >= seen >= committed, f"cycle {cycle}: {after} stored after, {seen} seen before"
        assert after == distinct, f"cycle {cycle}: an observation stored twice"
        committed = after
    assert committed > 0
