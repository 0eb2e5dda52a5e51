"""`make demo` as a newcomer sees it: `tracker demo` serves, within 60 seconds, a Most Popular
page fed by live data whose ranking changes as the simulated clock advances; Ctrl-C stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from tests.test_concurrency import _free_port


def _ranking(url: str) -> list[tuple[str, int]]:
    try:
        answer = httpx.get(f"{url}/api/most-popular", params={"window": "24h", "limit": 10}, timeout=5)
    except httpx.HTTPError:
        return []
    if answer.status_code != 200:
        return []
    return [(a["url"], a["interactions"]) for a in answer.json()["articles"]]


def test_demo_serves_a_changing_most_popular_within_60_seconds(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_KEY", "_SECRET", "_ID"))}
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tracker",
            "--db",
            str(tmp_path / "demo.duckdb"),
            "demo",
            "--port",
            str(port),
            "--articles",
            "120",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        first: list[tuple[str, int]] = []
        while not first and time.monotonic() - started < 60:
            time.sleep(1)
            first = _ranking(url)
        assert first, "no ranked story within 60 s"
        page = httpx.get(f"{url}/", timeout=10)
        assert page.status_code == 200
        changed = False
        while not changed and time.monotonic() - started < 60:
            time.sleep(2)
            changed = _ranking(url) != first
        assert changed, "the Most Popular ranking did not change within 60 s"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-2000:]
    assert "http://127.0.0.1:" in stderr and "stopped cleanly" in stderr
