"""The dashboards in a real browser: the app served on 127.0.0.1 by werkzeug, Debian's Chromium
driven by Playwright. Proves what only a browser can: the interval re-ranks the table as new
samples land, the pills filter, and a click on a story opens its page with a rendered graph."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright import sync_api as playwright_sync

from dashboards import create_app
from tests.dashboards.conftest import Seeded
from tracker.owner.background import BackgroundServer

pytestmark = pytest.mark.browser
expect = playwright_sync.expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = Path("/tmp/dash_most_popular.png")
REFRESH_S = 1.0
WAIT_MS = 15_000  # generous: a re-rank needs one interval tick plus one query round trip


@pytest.fixture
def site(seeded: Seeded) -> Iterator[str]:
    """The app over the seeded store, served for real on an ephemeral port."""
    server = BackgroundServer(create_app(seeded.store, refresh_s=REFRESH_S).server, name="dash-test").start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium for the module (Debian's; never `playwright install`)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with playwright_sync.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, site: str) -> Iterator[object]:
    """A fresh browser context and page; fails the test if the page throws a JavaScript error."""
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=site)
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    expect.set_options(timeout=WAIT_MS)
    yield tab
    context.close()
    assert errors == []


def rows(page: object) -> object:
    return page.locator("#mp-table tbody tr")  # type: ignore[attr-defined]


def test_most_popular_shows_the_top_story_first_then_reranks_as_samples_arrive(page, seeded: Seeded) -> None:
    page.goto("/")
    expect(rows(page).first).to_contain_text("Summit ends in surprise deal")
    expect(rows(page).first).to_contain_text("1,155")
    expect(page.locator("#freshness")).to_contain_text(f"Data as of {seeded.ago(minutes=10):%H:%M:%S} UTC")
    page.locator("#mp-chart .main-svg").first.wait_for()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # A burst on X: Heatwave now gained 575 + 940 + 0 = 1515 in 24h and overtakes Summit's 1155.
    now = datetime.now(UTC)
    seeded.write("x", "x2", now, likes=1000, reposts=10)
    expect(rows(page).first).to_contain_text("Heatwave breaks decade-old record")
    expect(rows(page).first).to_contain_text("1,515")
    expect(rows(page).nth(1)).to_contain_text("Summit ends in surprise deal")
    expect(page.locator("#freshness")).to_contain_text(f"Data as of {now:%H:%M:%S} UTC")


def test_window_and_platform_pills_filter_the_ranking(page) -> None:
    page.goto("/")
    expect(rows(page)).to_have_count(2)
    page.locator("#mp-platform label", has_text="hackernews").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Heatwave breaks decade-old record")
    expect(rows(page).first).to_contain_text("340")
    page.locator("#mp-window label", has_text="7d").click()
    expect(rows(page)).to_have_count(2)
    expect(rows(page).first).to_contain_text("Chess prodigy stuns grandmasters")
    page.locator("#mp-platform label", has_text="All platforms").click()
    page.locator("#mp-window label", has_text="1h").click()
    expect(rows(page).first).to_contain_text("Heatwave breaks decade-old record")
    expect(rows(page).first).to_contain_text("417")


def test_clicking_a_story_opens_its_article_page_with_a_graph(page, seeded: Seeded) -> None:
    page.goto("/")
    page.get_by_role("link", name="Heatwave breaks decade-old record").click()
    page.wait_for_url(f"**/article/{seeded.ids['heatwave']}")
    expect(page.locator("h1")).to_have_text("Heatwave breaks decade-old record")
    graph = page.locator("#article-graph")
    expect(graph.locator(".main-svg").first).to_be_visible()
    expect(graph.locator(".legendtext")).to_have_text(["x", "hackernews", "reddit"])  # views panel first
    expect(page.locator("#freshness")).to_contain_text("Data as of")


def test_nav_reaches_trending_and_health_and_unknown_paths_say_not_found(page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Trending").click()
    expect(page.locator("#tr-table tbody tr").first).to_contain_text("Heatwave breaks decade-old record")
    expect(page.locator("#tr-chart .main-svg").first).to_be_visible()
    page.get_by_role("link", name="Health").click()
    expect(page.locator('#health-table tr[data-platform="x"]')).to_contain_text("blocked")
    page.goto("/no/such/page")
    expect(page.locator("h1")).to_have_text("Page not found")
