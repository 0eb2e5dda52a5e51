"""The dashboards in a real browser: the app served on 127.0.0.1 by werkzeug, Debian's Chromium
driven by Playwright. Proves what only a browser can: every page renders without console errors
and without horizontal overflow on a desktop and on a phone, the URL carries the view (controls
push history, back and forward and a copied link restore it), the timer re-ranks as samples
land, the box's JSON and embed show the page's stories (the embed inside an iframe of a page on
another port), and a non-loopback bind demands a login.

Screenshots go to $SCREENSHOT_DIR (default: a temporary folder); docs/screenshots holds a set
made with SCREENSHOT_DIR=docs/screenshots.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from flask import Flask
from playwright import sync_api as playwright_sync

from dashboards import create_app
from tests.dashboards.conftest import Seeded
from tests.dashboards.test_expected_curve import usual as usual_at
from tests.dashboards.test_expected_curve import with_history
from tracker.config import ForecastConfig
from tracker.forecast import fit
from tracker.owner.access import Access
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
# Longer than a refresh takes on a loaded machine: Dash drops a reply overtaken by the next tick.
REFRESH_S = 5.0
WAIT_MS = 30_000  # generous: a re-rank needs one interval tick plus one refresh, on a loaded box
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
TOKEN = "browser-test-token"


@pytest.fixture
def site(seeded: Seeded) -> Iterator[str]:
    """The app over the seeded store, served for real on an ephemeral port."""
    app = create_app(seeded.store, refresh_s=REFRESH_S)
    server = BackgroundServer(app.server, name="dash-test").start()
    yield server.url
    server.stop()
    # A refresh the timer asked for just before the tab closed may still be querying the store,
    # and the warmer may be recomputing a view: closing stops it and waits for both.
    assert app.server.extensions["tracker_close"]()


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


class Tab:
    """A page in a fresh context that records console errors and uncaught exceptions."""

    def __init__(self, browser: object, base_url: str, viewport: dict[str, int], **options: object) -> None:
        self.errors: list[str] = []
        self.context = browser.new_context(viewport=viewport, base_url=base_url, **options)  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        expect.set_options(timeout=WAIT_MS)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser, site: str) -> Iterator[Tab]:
    opened = Tab(browser, site, DESKTOP, timezone_id="UTC")
    yield opened
    opened.close()
    assert opened.errors == []


def rows(page: object) -> object:
    return page.locator("table.ranking tbody tr")  # type: ignore[attr-defined]


def overflow(page: object) -> int:
    """How many CSS pixels the document is wider than the viewport (0 = nothing cut off)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))  # type: ignore[attr-defined]


def shots_dir(seeded: Seeded) -> Path:
    shots = Path(os.environ.get("SCREENSHOT_DIR") or Path(seeded.store.path).parent / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def forecast(seeded: Seeded) -> None:
    """Forecasts from the real forecaster (priors: the seeded history is short)."""
    assert fit.run(seeded.store, ForecastConfig(), seeded.now).forecasts > 0


def test_every_page_renders_without_errors_or_overflow_on_desktop_and_phone(
    browser, site: str, seeded: Seeded
) -> None:
    forecast(seeded)
    shots = shots_dir(seeded)
    pages = {
        "most-popular": ("/", "table.ranking tbody tr"),
        "trending": ("/trending", "table.ranking tbody tr"),
        "article": (f"/article/{seeded.ids['heatwave']}", "#article-graph .main-svg"),
        "health": ("/health", 'table.health tr[data-platform="x"]'),
    }
    for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        tab = Tab(browser, site, viewport, timezone_id="Europe/Paris")
        try:
            for name, (path, ready) in pages.items():
                tab.page.goto(path)
                tab.page.locator(ready).first.wait_for()
                expect(tab.page.locator("#freshness")).to_contain_text("Data as of")
                expect(tab.page.locator("#freshness")).to_contain_text("CET")  # the browser's zone
                # Every chart drawn (under load Plotly lags the table), asked of each chart's
                # wrapper: a dcc.Graph is no .js-plotly-plot yet while plotly.js loads.
                tab.page.wait_for_function(
                    "[...document.querySelectorAll('.chart')].every(c => c.querySelector('.main-svg'))"
                )
                tab.page.wait_for_timeout(300)  # let Plotly settle its layout
                assert overflow(tab.page) == 0, f"{name} overflows on {device}"
                # Dash's drop-down hides a ~180 px wide input at its left edge; on a store whose
                # filters wrap a drop-down near a phone's right edge it pushed the page wider
                # (57 px on bench/queries.py's store). The stylesheet shrinks it (to 1 px plus its padding).
                widest = tab.page.evaluate(
                    "Math.max(0, ...[...document.querySelectorAll('.dash-dropdown-focus-target')]"
                    ".map(e => e.getBoundingClientRect().width))"
                )
                assert widest < 20, f"{name}: a drop-down's hidden input is {widest} px wide"
                tab.page.screenshot(path=str(shots / f"{name}-{device}.png"), full_page=True)
        finally:
            tab.close()
        assert tab.errors == [], device


def test_a_visit_asks_the_server_one_callback_for_the_page_and_its_badge(tab: Tab) -> None:
    """One round trip renders the page, its navigation and its freshness badge: the badge had a
    callback of its own, a second request at every load asking the page's view again."""
    asked: list[str] = []
    tab.page.on(
        "request",
        lambda r: (
            asked.append(str((r.post_data_json or {}).get("output")))
            if "_dash-update-component" in r.url
            else None
        ),
    )
    tab.page.goto("/")
    rows(tab.page).first.wait_for()
    expect(tab.page.locator("#freshness")).to_contain_text("Data as of")
    tab.page.wait_for_timeout(500)  # anything else the first render sets off
    # The timer's refreshes (every REFRESH_S, the badge among their outputs) aside:
    refreshes = [o for o in asked if o.startswith("..page-content.children")]
    rendering = [o for o in asked if o not in refreshes and ("page.children" in o or "freshness" in o)]
    assert rendering == ["..page.children...nav.children...freshness.children.."], asked


def test_the_url_carries_the_view_through_controls_back_forward_and_a_copied_link(
    browser, tab: Tab, site: str
) -> None:
    page = tab.page
    page.goto("/?window=1h")
    expect(rows(page).first).to_contain_text("Heatwave breaks decade-old record")
    # The last hour's gain with the window start interpolated (332 when the seed was written;
    # it drifts by a few as the clock moves the window start between seeding and reading).
    expect(rows(page).first).to_contain_text(re.compile(r"Interactions gained: 3[0-4]\d"))
    page.locator("#mp-platform label", has_text="hackernews").click()
    page.wait_for_url("**/?window=1h&platform=hackernews")
    expect(rows(page)).to_have_count(1)
    page.locator("#mp-window label", has_text="7d").click()
    page.wait_for_url("**/?window=7d&platform=hackernews")
    expect(rows(page).first).to_contain_text("Chess prodigy stuns grandmasters")
    page.get_by_role("link", name="Total").click()
    page.wait_for_url("**/?window=7d&platform=hackernews&sort=-total")

    page.go_back()
    page.wait_for_url("**/?window=7d&platform=hackernews")
    page.go_back()
    page.wait_for_url("**/?window=1h&platform=hackernews")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("340")
    expect(page.locator('#mp-window label[aria-selected="true"]')).to_have_text("1h")
    page.go_back()
    page.wait_for_url("**/?window=1h")
    expect(rows(page)).to_have_count(2)
    page.go_forward()
    page.wait_for_url("**/?window=1h&platform=hackernews")
    expect(rows(page)).to_have_count(1)

    copied = Tab(browser, site, PHONE)
    try:
        copied.page.goto("/?window=7d&platform=hackernews")
        expect(rows(copied.page)).to_have_count(2)
        expect(rows(copied.page).first).to_contain_text("Chess prodigy stuns grandmasters")
        expect(copied.page.locator('#mp-platform label[aria-selected="true"]')).to_have_text("hackernews")
    finally:
        copied.close()
    assert copied.errors == []


def test_the_ranking_refreshes_itself_as_samples_arrive(tab: Tab, seeded: Seeded) -> None:
    page = tab.page
    page.goto("/")
    expect(rows(page).first).to_contain_text("Summit ends in surprise deal")
    expect(rows(page).first).to_contain_text("1,155")
    expect(page.locator("#freshness")).to_contain_text(f"Data as of {seeded.ago(minutes=10):%H:%M:%S} UTC")
    # A burst on X: Heatwave now gained 575 + 940 + 0 = 1515 in 24h and overtakes Summit's 1155.
    now = datetime.now(UTC)
    seeded.write("x", "x2", now, likes=1000, reposts=10)
    expect(rows(page).first).to_contain_text("Heatwave breaks decade-old record")
    expect(rows(page).first).to_contain_text("1,515")
    expect(rows(page).nth(1)).to_contain_text("Summit ends in surprise deal")
    expect(page.locator("#freshness")).to_contain_text(f"Data as of {now:%H:%M:%S} UTC")


def test_a_story_opens_its_page_with_one_chart_and_its_posts(tab: Tab, seeded: Seeded) -> None:
    page = tab.page
    page.goto("/")
    page.get_by_role("link", name="Heatwave breaks decade-old record").click()
    page.wait_for_url(f"**/article/{seeded.ids['heatwave']}")
    expect(page.locator("h1")).to_have_text("Heatwave breaks decade-old record")
    graph = page.locator("#article-graph")
    expect(graph.locator(".legendtext")).to_have_text(["hackernews", "reddit", "x"])
    expect(page.locator("table.posts tbody tr")).to_have_count(3)
    page.locator("#ar-view label", has_text="Hourly").click()
    page.wait_for_url("**?view=hourly")
    expect(graph.locator(".bars .point").first).to_be_visible()
    page.go_back()
    page.wait_for_url(f"**/article/{seeded.ids['heatwave']}")
    expect(page.locator('#ar-view label[aria-selected="true"]')).to_have_text("Cumulative")


def test_the_box_shows_the_pages_stories_also_in_an_iframe_on_another_port(tab: Tab, site: str) -> None:
    page = tab.page
    page.goto("/?window=7d")
    expect(rows(page)).to_have_count(3)
    shown = [t.strip() for t in page.locator("table.ranking .story-link").all_inner_texts()]
    box = httpx.get(f"{site}/api/most-popular?window=7d&limit=3", timeout=10).json()["articles"]
    assert [a["title"] for a in box] == shown

    newsroom = Flask("news-site")

    @newsroom.get("/")
    def home() -> str:
        return (
            "<!doctype html><title>News site</title><h1>Our front page</h1>"
            f'<iframe title="Most popular" src="{site}/embed/most-popular?window=7d&limit=3" '
            'width="320" height="260"></iframe>'
        )

    @newsroom.get("/favicon.ico")
    def favicon() -> tuple[str, int]:
        return "", 204

    other = BackgroundServer(newsroom, name="news-site").start()
    try:
        assert other.url != site
        page.goto(other.url + "/")
        frame = page.frame_locator("iframe")
        expect(frame.locator("li")).to_have_count(3)
        expect(frame.locator("li a")).to_have_text(shown)
    finally:
        other.stop()


def test_a_non_loopback_bind_demands_a_login(browser, seeded: Seeded) -> None:
    access = Access.from_settings("0.0.0.0", token_env="DASH_TOKEN", environ={"DASH_TOKEN": TOKEN})
    server = BackgroundServer(create_app(seeded.store, access=access).server, "0.0.0.0", 0, name="exposed")
    server.start()
    url = server.url.replace("0.0.0.0", "127.0.0.1")
    try:
        anonymous = Tab(browser, url, DESKTOP)
        try:
            # Chromium meets the Basic challenge; with no credentials to give, navigation fails.
            with pytest.raises(playwright_sync.Error, match="ERR_INVALID_AUTH_CREDENTIALS"):
                anonymous.page.goto("/")
            assert anonymous.context.request.get(f"{url}/").status == 401
            assert (
                anonymous.context.request.get(f"{url}/api/most-popular").status == 200
            )  # the box stays open
        finally:
            anonymous.close()
        editor = Tab(browser, url, DESKTOP, http_credentials={"username": "editor", "password": TOKEN})
        try:
            editor.page.goto("/")
            expect(rows(editor.page).first).to_contain_text("Summit ends in surprise deal")
        finally:
            editor.close()
        assert editor.errors == []
    finally:
        server.stop()


@pytest.mark.parametrize(("device", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_trending_shows_each_scores_inputs_forecast_and_rising(
    browser, site: str, seeded: Seeded, device: str, viewport: dict[str, int]
) -> None:
    forecast(seeded)
    tab = Tab(browser, site, viewport, timezone_id="UTC")
    try:
        page = tab.page
        page.goto("/trending")
        first = rows(page).first
        expect(first).to_contain_text("Heatwave breaks decade-old record")
        expect(first.locator(".forecast")).to_have_text(re.compile(r"^[\d,]+ \([\d,]+–[\d,]+\) at 7 d$"))
        expect(first).to_contain_text(re.compile(r"since \d+ \w+ \d\d:\d\d UTC \(\d+ min ago\)"))
        expect(first.locator(".move")).to_be_visible()  # rank change against 15 minutes ago
        first.locator(".why summary").click()
        facts = first.locator(".why .inputs-facts")
        for label in (
            "Velocity, short span",
            "Velocity, long span",
            "Acceleration",
            "Age decay",
            "Rank factor",
        ):
            expect(facts).to_contain_text(label)
        expect(facts).to_contain_text(re.compile(r"Front-page rank: #3"))  # Hacker News' rank gauge
        page.wait_for_timeout(300)
        assert overflow(page) == 0
        page.screenshot(path=str(shots_dir(seeded) / f"trending-inputs-{device}.png"), full_page=True)
    finally:
        tab.close()
    assert tab.errors == []


@pytest.mark.parametrize(("device", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_most_popular_rows_carry_a_sparkline_and_their_inputs(
    browser, site: str, seeded: Seeded, device: str, viewport: dict[str, int]
) -> None:
    tab = Tab(browser, site, viewport, timezone_id="UTC")
    try:
        page = tab.page
        page.goto("/")
        expect(rows(page)).to_have_count(2)
        sparks = page.locator("table.ranking img.sparkline")
        expect(sparks).to_have_count(2)
        expect(sparks.first).to_be_visible()
        assert sparks.first.evaluate("img => img.complete && img.naturalWidth") == 120  # the SVG decoded
        expect(sparks.first).to_have_attribute("title", re.compile(r"per 1 hour over the last 24h: peak 968"))
        gained = rows(page).first.locator("td[data-label='Gained, 24h'] strong")
        expect(gained).to_have_attribute("title", re.compile(r"reddit score \+\d"))
        rows(page).first.locator(".why summary").click()
        expect(rows(page).first.locator(".why")).to_contain_text("reddit")
        assert overflow(page) == 0
    finally:
        tab.close()
    assert tab.errors == []


@pytest.mark.parametrize(("device", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_article_chart_draws_the_forecast_band_and_the_sites_usual_curve(
    browser, site: str, seeded: Seeded, device: str, viewport: dict[str, int]
) -> None:
    forecast(seeded)
    with_history(seeded)  # twelve earlier articles of the site: an expected curve to draw
    tab = Tab(browser, site, viewport, timezone_id="UTC")
    try:
        page = tab.page
        page.goto(f"/article/{seeded.ids['heatwave']}")
        graph = page.locator("#article-graph")
        expect(graph.locator(".legendtext")).to_contain_text(
            ["hackernews", "reddit", "x", "hackernews forecast"]
        )
        filled = graph.evaluate(
            "g => g.querySelector('.js-plotly-plot').data.filter(t => t.fill === 'toself').length"
        )
        assert filled == 3  # one 80% band per platform
        usual = graph.evaluate(
            "g => g.querySelector('.js-plotly-plot').data"
            '.filter(t => t.name === "site\'s usual at this age").map(t => t.y)'
        )
        # Birth, the 1 h mark, now (1.7 h: between the marks), then the marks up to the chart's end.
        assert len(usual) == 1 and usual[0][:2] == [0, usual_at(1)]
        assert usual_at(1) < usual[0][2] < usual_at(2) and usual[0][3:5] == [usual_at(2), usual_at(3)]
        expect(page.locator(".facts")).to_contain_text("The site's usual at this age")
        expect(page.locator("#article-trending")).to_contain_text("#")  # its own callback filled it
        expect(page.locator(".facts")).to_contain_text(re.compile(r"Forecast \(80% interval\)[\d,]+ \("))
        page.wait_for_timeout(300)
        assert overflow(page) == 0
        page.screenshot(path=str(shots_dir(seeded) / f"article-forecast-{device}.png"), full_page=True)
    finally:
        tab.close()
    assert tab.errors == []


def test_a_refresh_keeps_the_charts_drawn_in_place(browser, site: str, seeded: Seeded) -> None:
    """Two timer refreshes later the article's and Trending's charts are the same DOM nodes, still
    drawn (before, every refresh mounted them again: an empty chart while Plotly redrew it)."""
    forecast(seeded)
    tab = Tab(browser, site, DESKTOP, timezone_id="UTC")
    refreshes: list[int] = []
    tab.page.on(
        "response",
        lambda r: (
            refreshes.append(r.status)
            if "_dash-update-component" in r.url and "refreshed-part" in (r.request.post_data or "")
            else None
        ),
    )
    try:
        page = tab.page
        for path, chart in (
            (f"/article/{seeded.ids['heatwave']}", "#article-graph"),
            ("/trending", "#tr-chart"),
        ):
            page.goto(path)
            expect(page.locator(f"{chart} .legendtext").first).to_be_visible()
            page.evaluate(f"() => {{ window.drawn = document.querySelector('{chart} .js-plotly-plot'); }}")
            seen = len(refreshes)
            deadline = datetime.now(UTC).timestamp() + WAIT_MS / 1000
            while len(refreshes) < seen + 2 and datetime.now(UTC).timestamp() < deadline:
                page.wait_for_timeout(200)
            assert len(refreshes) >= seen + 2 and set(refreshes) <= {200, 204}
            assert page.evaluate(f"() => window.drawn === document.querySelector('{chart} .js-plotly-plot')")
            assert page.evaluate("() => window.drawn.isConnected && window.drawn.data.length > 0")
    finally:
        tab.close()
    assert tab.errors == []
