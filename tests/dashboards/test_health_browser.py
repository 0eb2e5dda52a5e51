"""The Health page in Debian's Chromium at 1400 px and 390 px: with a long unbroken error (a
URL), budgets and a due queue, nothing is wider than the page, and every platform's last error
and degraded state are on screen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboards import create_app
from tests.dashboards.conftest import Seeded
from tests.dashboards.test_browser import DESKTOP, PHONE, Tab, browser, overflow  # noqa: F401  (fixture)
from tests.dashboards.test_health_page import seed_daemon_state
from tracker.owner.background import BackgroundServer

pytestmark = pytest.mark.browser
LONG_ERROR = "x: could not decode https://api.x.com/2/tweets?ids=" + ",".join(
    str(10**18 + i) for i in range(30)
)


@pytest.fixture
def health_site(seeded: Seeded) -> Iterator[str]:
    seed_daemon_state(seeded, "BadResponse", LONG_ERROR, minutes_ago=2)
    store = seeded.store
    server = BackgroundServer(create_app(store, refresh_s=60).server, name="health-test").start()
    yield server.url
    server.stop()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_health_fits_the_page_with_long_errors(browser, health_site: str, viewport: dict[str, int]) -> None:  # noqa: F811
    tab = Tab(browser, health_site, viewport, timezone_id="UTC")
    try:
        tab.page.goto("/health")
        x = tab.page.locator('table.health tr[data-platform="x"]')
        x.wait_for()
        assert overflow(tab.page) == 0
        last_error = x.locator('td[data-label="Last error"]')
        assert "could not decode https://api.x.com/2/tweets" in last_error.inner_text()
        width = viewport["width"]
        for label in ("Status", "Last error", "Budget used", "Backlog"):
            box = x.locator(f'td[data-label="{label}"]').bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, label
        assert "degraded" in x.locator('td[data-label="Status"]').inner_text()
        assert "2 overdue" in tab.page.locator('table.health tr[data-platform="reddit"]').inner_text()
        shots = os.environ.get("SCREENSHOT_DIR")
        if shots:
            name = "desktop" if viewport is DESKTOP else "phone"
            tab.page.screenshot(path=str(Path(shots) / f"health-{name}.png"), full_page=True)
    finally:
        tab.close()
    assert tab.errors == []
