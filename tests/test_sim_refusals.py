"""The simulator counts the requests it refuses for going over a platform's limits, so a bench
can tell a 429 the client caused from its own waits and from injected faults."""

from __future__ import annotations

import httpx

from tracker.simweb.fake import WindowCounter
from tracker.simweb.reddit import ANONYMOUS_PER_WINDOW


def test_a_window_counter_counts_only_requests_over_its_limit() -> None:
    counter = WindowCounter(limit=2, window_s=60)
    outcomes = [counter.hit("a")[2] for _ in range(4)]
    assert outcomes == [False, False, True, True]
    assert counter.refused == 2
    counter.hit("b")  # another caller's window has its own budget
    assert counter.refused == 2


def test_state_reports_refusals_per_platform_and_not_injected_faults(sim, sim_admin) -> None:
    def refused() -> dict[str, int]:
        return httpx.get(f"{sim.url}/_sim/state", timeout=10).json()["refused"]

    before = refused()
    assert {"reddit", "x", "mastodon", "bluesky", "facebook"} <= set(before)
    sim_admin("faults", {"platform": "reddit", "queue": ["429"]})
    url = f"{sim.url}/reddit/www/api/info.json?id=t3_zzzzzz"
    with httpx.Client(timeout=10) as client:
        assert client.get(url).status_code == 429  # the injected fault
        statuses = [client.get(url).status_code for _ in range(ANONYMOUS_PER_WINDOW + 1)]
    assert statuses[:-1] == [200] * ANONYMOUS_PER_WINDOW
    assert statuses[-1] == 429
    after = refused()
    assert after["reddit"] - before["reddit"] == 1
    assert {k: v for k, v in after.items() if k != "reddit"} == {
        k: v for k, v in before.items() if k != "reddit"
    }
