"""A timer refresh changes only what changed (dashboards.refresh), asked through Dash's own
/_dash-update-component as the browser asks: with the same figures it changes nothing; after a
new sample it replaces the parts that differ and only the chart's figure, never the whole data
part (Dash 4 mounts again every child of a `children` it sets: the chart was wiped and drawn
again at each refresh)."""

from __future__ import annotations

import time
from typing import Any

from dashboards import create_app, refresh
from tests.dashboards.conftest import Seeded
from tests.dashboards.test_pages import find, refresh_call, route, texts
from tracker.clock import FrozenClock

TICK_S = 1.0


def shown(client: Any, path: str) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    """The digests, part ids and chart ids of a page as the router renders it."""
    layout = route(client, path, "", "UTC")["page"]["children"]
    digests = find(layout, id=refresh.DIGESTS)[0]["props"]["data"]
    parts = [p["props"]["id"] for p in find(layout, className="part")]
    charts = [c["props"]["id"] for c in find(layout) if isinstance(c["props"].get("id"), dict)]
    return digests, parts, [c for c in charts if c["type"] == refresh.CHART]


def changed(answer: dict[str, Any]) -> set[str]:
    return set(answer)


def test_a_refresh_with_the_same_figures_changes_only_the_badge_and_new_samples_change_only_their_parts(
    seeded: Seeded,
) -> None:
    app = create_app(seeded.store, refresh_s=TICK_S, clock=FrozenClock(seeded.now))
    client = app.server.test_client()
    data = app.server.extensions["tracker_data"]
    data.warm_in_background = False  # the test runs the warmer's passes (Data.warm), tick by tick
    try:
        digests, parts, charts = shown(client, "/")
        assert len(parts) == 4 and charts == [refresh.chart_id("mp-chart")]
        for _ in range(2):  # this tick and, the same figures, the next
            answer = refresh_call(client, "/", zone="UTC", digests=digests, part_ids=parts, chart_ids=charts)
            # Nothing of the data part set (not the whole, not a part, not the chart): the badge only.
            assert set(answer) == {"freshness"}
            assert texts(answer["freshness"]["children"])[0].startswith("Data as of ")
            start = data.tick()
            while data.tick() == start:
                time.sleep(0.05)

        seeded.write("hackernews", "h2", seeded.ago(minutes=1), score=900, comments=60)
        start = data.tick()
        while data.tick() == start:  # the next tick's answers include the sample
            time.sleep(0.05)
        assert data.warm() > 0  # the warmer's pass publishes them
        answer = refresh_call(client, "/", zone="UTC", digests=digests, part_ids=parts, chart_ids=charts)
        assert "page-content" not in answer  # never the whole data part
        table = f'{{"index":{parts[0]["index"]},"type":"{refresh.PART}"}}'
        assert "hackernews 960" in texts(answer[table]["children"])  # the ranking's new split (was 340)
        chart = f'{{"name":"mp-chart","type":"{refresh.CHART}"}}'
        assert set(answer[chart]) == {"figure"}  # the chart's figure alone, updated in place
        assert set(answer) == {table, chart, refresh.DIGESTS, "freshness"}  # the heading is the same
        assert texts(answer["freshness"]["children"])[0] == f"Data as of {seeded.ago(minutes=1):%H:%M:%S} UTC"
        assert answer[refresh.DIGESTS]["data"] != digests
    finally:
        assert app.server.extensions["tracker_close"]()
