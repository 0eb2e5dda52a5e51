"""Feeds discovery over real HTTP: the simulated news site, the shared real samples, and small
hand-written documents (hostile XML, malformed feeds, rel=canonical) served by a ReplayServer."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.replay import ReplayServer
from tracker.collector import Cursor, Discovery, Target
from tracker.config import from_mapping
from tracker.errors import BadResponse, RateLimited
from tracker.simweb.world import FLAGSHIP_TITLE, SITE_URL

PUBLIC = "https://news.example.com"


# -- helpers -------------------------------------------------------------------------------------


def _sites(**site):
    """[[sites]] as the config loader builds them (lists become tuples); the test servers listen
    on 127.0.0.1, so the site allows private addresses unless a test says otherwise."""
    return from_mapping({"sites": [{"allow_private": True, **site}]}).sites


def _sim_site(sim, **overrides):
    return _sites(**{**sim.site_config(), **overrides})


def _synced(clock, sim):
    """Move the collector's frozen clock up to the simulator's (which other tests advance)."""
    gap = (sim.world.now() - clock.now()).total_seconds()
    if gap > 0:
        clock.advance(gap)
    return clock


def _published(sim):
    return sorted(sim.world.published_articles(), key=lambda a: a.published_at, reverse=True)


def _articles(records):
    return [r for r in records if isinstance(r, Discovery)]


def _cursors(records):
    return {r.source: r.value for r in records if isinstance(r, Cursor)}


def _drain(records, generator):
    """Collect records until the generator raises; return the exception."""
    try:
        for record in generator:
            records.append(record)
    except Exception as exc:
        return exc
    raise AssertionError("expected the run to end with an error")


def _serve(tmp_path: Path, documents: dict[str, tuple[str, bytes | str]]) -> ReplayServer:
    """Serve hand-written documents: {name: (path, body)} as 200 answers with an XML type."""
    for name, (path, body) in documents.items():
        data = body.encode() if isinstance(body, str) else body
        kind = "text/html" if data.lstrip().lower().startswith(b"<!doctype html") else "application/xml"
        (tmp_path / f"{name}.body").write_bytes(data)
        meta = {"method": "GET", "path_and_query": path, "status": 200, "headers": {"content-type": kind}}
        (tmp_path / f"{name}.meta.json").write_text(json.dumps(meta))
    return ReplayServer(tmp_path)


def _rss(*items: str) -> str:
    body = "".join(f"<item>{item}</item>" for item in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{body}</channel></rss>'


# -- the simulated site ----------------------------------------------------------------------------


def test_feeds_discover_every_published_article_of_the_simulated_site(sim, clock, make_collector):
    _synced(clock, sim)
    active = make_collector("feeds", sites=_sim_site(sim))
    records = list(active.collector.discover({}))
    found = {d.url: d for d in _articles(records)}
    published = _published(sim)
    assert set(found) == {a.url for a in published}
    for article in published:
        d = found[article.url]
        assert d.platform == "feeds" and d.kind == "article"
        assert d.item_key == d.links_to == article.url
        assert d.published_at == article.published_at.replace(microsecond=0)
        assert d.published_at.tzinfo is UTC
        assert d.author == article.author and d.section == article.section.capitalize()
        assert d.title and "&#" not in d.title
    # feed, sitemap index, its two children, one WordPress page
    assert active.http.stats.requests == 5
    cursors = _cursors(records)
    assert set(cursors) == {
        f"{SITE_URL}/feed/",
        f"{SITE_URL}/sitemap.xml",
        f"{SITE_URL}/sitemap-news.xml",
        f"{SITE_URL}/sitemap-posts.xml",
        f"site:{SITE_URL}",
    }
    assert cursors[f"site:{SITE_URL}"] == {
        "newest": published[0].published_at.replace(microsecond=0).isoformat()
    }


def test_feeds_title_entities_are_decoded_from_rss_atom_and_wordpress(sim, clock, make_collector):
    _synced(clock, sim)
    titles = {a.url: a.title.replace("'", "’") for a in sim.world.articles}  # WordPress sends &#8217;
    flagship = next(a for a in sim.world.articles if a.title == FLAGSHIP_TITLE)
    for site in (
        _sim_site(sim, sitemaps=[], wordpress_api=""),  # RSS: numeric character references
        _sim_site(sim, feeds=[f"{SITE_URL}/feed/atom/"], sitemaps=[], wordpress_api=""),  # Atom: CDATA
        _sim_site(sim, feeds=[], sitemaps=[]),  # WordPress: title.rendered
    ):
        found = _articles(make_collector("feeds", sites=site).collector.discover({}))
        assert found and all(d.title == titles[d.url] for d in found)
    assert titles[flagship.url] in {d.title for d in found}  # the API lists every published article


def test_feeds_second_run_with_cursors_gets_304_and_yields_no_article(sim, clock, make_collector):
    _synced(clock, sim)
    active = make_collector("feeds", sites=_sim_site(sim))
    first = list(active.collector.discover({}))
    before = active.http.stats.requests
    second = list(active.collector.discover(_cursors(first)))
    assert second == []
    # feed 304, sitemap index 304 (its children are not asked), WordPress page 1 stops at the mark
    assert active.http.stats.requests - before == 3


def test_feeds_new_article_appears_after_the_sim_clock_advances(clock, make_collector):
    # A simulator of its own, so that no other test has already published every article.
    from tests.conftest import SIM_START
    from tracker.simweb.server import SimConfig, SimServer

    with SimServer(SimConfig(n_articles=40, seed=3, speed=0.0, start=SIM_START)) as own:
        _synced(clock, own)
        active = make_collector("feeds", sites=_sim_site(own))
        cursors = _cursors(active.collector.discover({}))
        upcoming = sorted(
            (a for a in own.world.articles if a.published_at > own.world.now()), key=lambda a: a.published_at
        )
        assert upcoming, "the simulator publishes a quarter of its articles after its start"
        hours = math.ceil((upcoming[0].published_at - own.world.now()).total_seconds() / 3600) or 1
        own.world.clock.advance(3600 * hours)
        _synced(clock, own)
        new = {a.url for a in upcoming if a.published_at <= own.world.now()}
        records = list(active.collector.discover(cursors))
        assert {d.url for d in _articles(records)} == new
        newest = max(a.published_at for a in upcoming if a.url in new).replace(microsecond=0)
        assert _cursors(records)[f"site:{SITE_URL}"] == {"newest": newest.isoformat()}


def test_feeds_sitemap_index_is_followed_to_its_child_sitemaps(sim, clock, make_collector):
    _synced(clock, sim)
    site = _sim_site(sim, feeds=[], wordpress_api="")
    active = make_collector("feeds", sites=site)
    records = list(active.collector.discover({}))
    assert {d.url for d in _articles(records)} == {a.url for a in _published(sim)}
    assert active.http.stats.requests == 3
    assert {f"{SITE_URL}/sitemap-news.xml", f"{SITE_URL}/sitemap-posts.xml"} <= set(_cursors(records))


def test_feeds_google_news_sitemap_gives_titles_and_publication_dates(sim, clock, make_collector):
    _synced(clock, sim)
    site = _sim_site(sim, feeds=[], sitemaps=[f"{SITE_URL}/sitemap-news.xml"], wordpress_api="")
    found = {d.url: d for d in _articles(make_collector("feeds", sites=site).collector.discover({}))}
    recent = [a for a in _published(sim) if a.published_at >= sim.world.now() - timedelta(days=2)]
    assert set(found) == {a.url for a in recent}
    for article in recent:
        assert found[article.url].title == article.title
        assert found[article.url].published_at == article.published_at.replace(microsecond=0)


def test_feeds_atom_feed_gives_the_ten_newest_with_author_and_category(sim, clock, make_collector):
    _synced(clock, sim)
    site = _sim_site(sim, feeds=[f"{SITE_URL}/feed/atom/"], sitemaps=[], wordpress_api="")
    found = _articles(make_collector("feeds", sites=site).collector.discover({}))
    newest = _published(sim)[:10]
    assert [d.url for d in found] == [a.url for a in newest]
    assert [(d.author, d.section) for d in found] == [(a.author, a.section.capitalize()) for a in newest]


def test_feeds_wordpress_api_is_paged_by_x_wp_totalpages(sim, clock, make_collector):
    _synced(clock, sim)
    site = _sim_site(sim, feeds=[], sitemaps=[])
    active = make_collector("feeds", sites=site, wordpress_per_page=10)
    found = _articles(active.collector.discover({}))
    published = _published(sim)
    assert [d.url for d in found] == [a.url for a in published]
    assert active.http.stats.requests == math.ceil(len(published) / 10)
    assert {d.author for d in found} == {a.author for a in published}  # from _embedded.author


def test_feeds_wordpress_stops_at_posts_no_newer_than_the_mark(sim, clock, make_collector):
    _synced(clock, sim)
    published = _published(sim)
    mark = published[4].published_at.replace(microsecond=0)
    site = _sim_site(sim, feeds=[], sitemaps=[])
    active = make_collector("feeds", sites=site, wordpress_per_page=10)
    records = list(active.collector.discover({f"site:{SITE_URL}": {"newest": mark.isoformat()}}))
    assert [d.url for d in _articles(records)] == [a.url for a in published[:4]]
    assert active.http.stats.requests == 1


def test_feeds_follow_rel_canonical_fetches_each_new_page_once(sim, clock, make_collector):
    _synced(clock, sim)
    site = _sim_site(sim, sitemaps=[], wordpress_api="", follow_canonical=True)
    active = make_collector("feeds", sites=site)
    first = list(active.collector.discover({}))
    newest = _published(sim)[:10]
    assert [d.url for d in _articles(first)] == [a.url for a in newest]
    assert active.http.stats.requests == 1 + len(newest)  # the feed, then one GET per article page
    before = active.http.stats.requests
    assert list(active.collector.discover(_cursors(first))) == []
    assert active.http.stats.requests - before == 1  # only the 304 feed


def test_feeds_amp_page_names_the_main_article_as_canonical(sim, clock):
    import httpx

    from tracker.feedparse import find_canonical

    article = _published(sim)[0]
    path = article.url.removeprefix(SITE_URL)
    page = httpx.get(f"{sim.url}/site{path}amp/", timeout=5)
    assert page.status_code == 200
    assert find_canonical(page.text, article.url + "amp/") == article.url


# -- faults from the simulator ---------------------------------------------------------------------


def test_feeds_malformed_feed_does_not_stop_the_other_sources(sim, clock, sim_admin, make_collector):
    _synced(clock, sim)
    site = _sim_site(
        sim, feeds=[f"{SITE_URL}/feed/", f"{SITE_URL}/feed/atom/"], sitemaps=[], wordpress_api=""
    )
    sim_admin("faults", {"platform": "site", "queue": ["malformed"]})  # spoils the first request: RSS
    records: list = []
    error = _drain(records, make_collector("feeds", sites=site).collector.discover({}))
    assert isinstance(error, BadResponse)
    assert f"{SITE_URL}/feed/ (" in str(error) and "/feed/atom/" not in str(error)
    assert "\n" not in str(error)
    assert [d.url for d in _articles(records)] == [a.url for a in _published(sim)[:10]]
    # the good source keeps its validators; the site's mark waits for the failed one
    assert set(_cursors(records)) == {f"{SITE_URL}/feed/atom/"}


def test_feeds_html_page_with_status_200_is_bad_response(sim, clock, sim_admin, make_collector):
    _synced(clock, sim)
    site = _sim_site(sim, sitemaps=[], wordpress_api="")
    sim_admin("faults", {"platform": "site", "queue": ["html"]})
    records: list = []
    error = _drain(records, make_collector("feeds", sites=site).collector.discover({}))
    assert isinstance(error, BadResponse) and "root element <html>" in str(error)
    assert records == []


def test_feeds_429_raises_rate_limited_at_retry_after(sim, clock, sim_admin, make_collector):
    _synced(clock, sim)
    site = _sim_site(sim, sitemaps=[], wordpress_api="")
    sim_admin("faults", {"platform": "site", "queue": ["429"]})
    records: list = []
    error = _drain(records, make_collector("feeds", sites=site).collector.discover({}))
    assert isinstance(error, RateLimited)
    assert error.retry_at == clock.now() + timedelta(seconds=120)


@pytest.mark.parametrize("fault", ["503", "timeout"])
def test_feeds_transient_fault_then_success(sim, clock, sim_admin, make_collector, fault):
    _synced(clock, sim)
    site = _sim_site(sim, sitemaps=[], wordpress_api="")
    sim_admin("faults", {"platform": "site", "queue": [fault]})
    active = make_collector("feeds", sites=site)
    found = _articles(active.collector.discover({}))
    assert [d.url for d in found] == [a.url for a in _published(sim)[:10]]
    assert active.http.stats.retries == 1


# -- the shared real samples -----------------------------------------------------------------------


def _sample_site(server, **overrides):
    return _sites(
        **{
            "name": "News Example",
            "url": PUBLIC,
            "feeds": [f"{PUBLIC}/feed/"],
            "wordpress_api": f"{PUBLIC}/wp-json/wp/v2/posts",
            "fetch_base_url": server.url,
            **overrides,
        }
    )


def test_feeds_against_real_samples(replay, make_collector):
    """The recorded WordPress RSS feed and /wp/v2/posts answer, replayed over HTTP."""
    server = replay("discovery")
    active = make_collector("feeds", sites=_sample_site(server), wordpress_max_pages=3)
    records = list(active.collector.discover({}))
    assert _articles(records) == [
        Discovery(
            platform="feeds",
            item_key=f"{PUBLIC}/2025/05/12/seoul-tokyo-drum-duet-goes-viral/",
            url=f"{PUBLIC}/2025/05/12/seoul-tokyo-drum-duet-goes-viral/",
            title="Seoul–Tokyo drum duet recorded over 1,100 km of fibre goes viral",
            published_at=datetime(2025, 5, 12, 8, 0, tzinfo=UTC),
            links_to=f"{PUBLIC}/2025/05/12/seoul-tokyo-drum-duet-goes-viral/",
            author="Jane Park",
            section="Music",
            kind="article",
        ),
        Discovery(
            platform="feeds",
            item_key=f"{PUBLIC}/2025/05/12/obscure-local-council-minutes/",
            url=f"{PUBLIC}/2025/05/12/obscure-local-council-minutes/",
            title="City council publishes minutes of April session",
            published_at=datetime(2025, 5, 12, 6, 30, 12, tzinfo=UTC),
            links_to=f"{PUBLIC}/2025/05/12/obscure-local-council-minutes/",
            author="News Desk",
            section="Local",
            kind="article",
        ),
    ]
    assert _cursors(records) == {
        f"{PUBLIC}/feed/": {
            "etag": '"3f1e9c2d0b7a4e8f6c5d4b3a2e1f0a9b"',
            "last_modified": "Mon, 12 May 2025 09:12:44 GMT",
        },
        f"site:{PUBLIC}": {"newest": "2025-05-12T08:00:00+00:00"},
    }
    # X-WP-TotalPages says 2064: paging stops at wordpress_max_pages.
    wp_requests = [r for r in server.requests if r.startswith("/wp-json/")]
    assert len(wp_requests) == 3
    assert "per_page=100" in wp_requests[0] and "_fields=id%2Cdate_gmt%2Clink%2Ctitle" in wp_requests[0]


def test_feeds_real_wordpress_sample_stops_at_the_mark(replay, make_collector):
    server = replay("discovery", ["wp_json_posts"])
    active = make_collector("feeds", sites=_sample_site(server, feeds=[]))
    mark = {"newest": "2025-05-12T07:00:00+00:00"}
    records = list(active.collector.discover({f"site:{PUBLIC}": mark}))
    found = _articles(records)
    assert [(d.url, d.title) for d in found] == [
        (
            f"{PUBLIC}/2025/05/12/seoul-tokyo-drum-duet-goes-viral/",
            "Seoul–Tokyo drum duet recorded over 1,100 km of fibre goes viral",
        ),
    ]
    assert found[0].author is None and found[0].section is None  # the sample has no _embedded
    assert len(server.requests) == 1


# -- hostile and malformed documents ---------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><item><title>&lol9;</title><link>https://news.example.com/a/</link></item></channel></rss>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&secret;</title><link>https://news.example.com/b/</link></item></channel></rss>
"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_feeds_hostile_xml_is_refused_quickly(tmp_path, make_collector, body):
    server = _serve(tmp_path, {"evil": ("/feed/", body)})
    site = _sites(name="Evil", url=PUBLIC, feeds=[f"{PUBLIC}/feed/"], fetch_base_url=server.url)
    records: list = []
    started = time.monotonic()
    try:
        error = _drain(records, make_collector("feeds", sites=site).collector.discover({}))
    finally:
        server.close()
    assert time.monotonic() - started < 2.0
    assert isinstance(error, BadResponse) and "unsafe XML" in str(error) and f"{PUBLIC}/feed/" in str(error)
    assert records == []
    assert "root:" not in str(error)  # nothing from /etc/passwd leaks into the message


def test_feeds_malformed_feed_beside_a_good_one_yields_the_good_one_then_raises(tmp_path, make_collector):
    good = _rss(
        "<title>Good story</title><link>https://news.example.com/2026/01/02/good/</link>"
        "<pubDate>Fri, 02 Jan 2026 10:00:00 +0000</pubDate>"
    )
    server = _serve(
        tmp_path,
        {
            "good": ("/good/feed/", good),
            # A proxy's error text served as XML: no feed in it at all. (A feed merely cut short
            # is read as far as it goes, as feedparser reads ill-formed documents.)
            "bad": ("/bad/feed/", "Service temporarily unavailable, try again later"),
        },
    )
    site = _sites(
        name="Mixed",
        url=PUBLIC,
        feeds=[f"{PUBLIC}/bad/feed/", f"{PUBLIC}/good/feed/"],
        fetch_base_url=server.url,
    )
    records: list = []
    try:
        error = _drain(records, make_collector("feeds", sites=site).collector.discover({}))
    finally:
        server.close()
    assert isinstance(error, BadResponse)
    assert str(error).startswith("feeds: 1 source(s) failed") and f"{PUBLIC}/bad/feed/ (not a feed" in str(
        error
    )
    assert [(d.url, d.title) for d in _articles(records)] == [(f"{PUBLIC}/2026/01/02/good/", "Good story")]
    assert f"site:{PUBLIC}" not in _cursors(records)  # the mark waits until the bad feed is read


def test_feeds_titles_with_html_entities_are_unescaped(tmp_path, make_collector):
    feed = _rss(
        "<title>Seoul&amp;#8211;Tokyo duet &amp;amp; more</title><link>https://news.example.com/x/1/</link>",
        "<title>&lt;em&gt;Live:&lt;/em&gt; &#8220;quoted&#8221;</title><link>https://news.example.com/x/2/</link>",
    )
    server = _serve(tmp_path, {"feed": ("/feed/", feed)})
    site = _sites(name="T", url=PUBLIC, feeds=[f"{PUBLIC}/feed/"], fetch_base_url=server.url)
    try:
        found = _articles(make_collector("feeds", sites=site).collector.discover({}))
    finally:
        server.close()
    assert [d.title for d in found] == ["Seoul–Tokyo duet & more", "Live: “quoted”"]


def test_feeds_rel_canonical_replaces_the_listed_url(tmp_path, make_collector):
    feed = _rss(
        "<title>Moved</title><link>https://news.example.com/go/17/</link>",
        "<title>Root canonical</title><link>https://news.example.com/go/18/</link>",
        "<title>Gone</title><link>https://news.example.com/go/19/</link>",
    )
    page = '<!DOCTYPE html><html><head><link rel="canonical" href="{}"></head><body>x</body></html>'
    server = _serve(
        tmp_path,
        {
            "feed": ("/feed/", feed),
            "p17": ("/go/17/", page.format("/2026/11/20/real-story/?utm_source=rss")),  # relative, tracked
            "p18": ("/go/18/", page.format("https://news.example.com/")),  # a CMS bug: every page -> home
        },
    )
    site = _sites(
        name="C", url=PUBLIC, feeds=[f"{PUBLIC}/feed/"], fetch_base_url=server.url, follow_canonical=True
    )
    try:
        records = list(make_collector("feeds", sites=site).collector.discover({}))
    finally:
        server.close()
    assert [(d.url, d.title) for d in _articles(records)] == [
        (f"{PUBLIC}/2026/11/20/real-story/", "Moved"),
        (f"{PUBLIC}/go/18/", "Root canonical"),
    ]  # /go/19/ answers 404: not an article to track
    assert sorted(server.requests) == ["/feed/?", "/go/17/?", "/go/18/?", "/go/19/?"]


def test_feeds_follows_canonical_on_a_www_site_whose_keys_fold_the_www(tmp_path, make_collector):
    """Article keys drop the www. (one key per article), but www.news.example.com is where the
    site serves its pages: the page is fetched there, not skipped for being 'another host'."""
    www = "https://www.news.example.com"
    feed = _rss("<title>Moved</title><link>https://www.news.example.com/go/17/</link>")
    page = '<!DOCTYPE html><html><head><link rel="canonical" href="/2026/11/20/real-story/"></head></html>'
    server = _serve(tmp_path, {"feed": ("/feed/", feed), "p17": ("/go/17/", page)})
    site = _sites(name="W", url=www, feeds=[f"{www}/feed/"], fetch_base_url=server.url, follow_canonical=True)
    try:
        records = list(make_collector("feeds", sites=site).collector.discover({}))
    finally:
        server.close()
    assert [d.url for d in _articles(records)] == [f"{PUBLIC}/2026/11/20/real-story/"]
    assert sorted(server.requests) == ["/feed/?", "/go/17/?"]


def test_feeds_is_not_a_sampler(sim, make_collector):
    collector = make_collector("feeds", sites=_sim_site(sim)).collector
    assert list(collector.sample([Target("feeds", f"{PUBLIC}/a/", f"{PUBLIC}/a/")])) == []
    assert collector.identify(f"{PUBLIC}/2026/11/20/story/") is None
