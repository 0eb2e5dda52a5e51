"""Feeds as the real web writes them, read over real HTTP on 127.0.0.1: feedparser's own corpus of
real-world and ill-formed feeds (tests/feed_corpus, origin and licence in its README) and
documents built here from patterns seen on real news sites (legacy encodings, zone
abbreviations, entities, xml:base, odd links and guids). Every document is read without a
crash; one that cannot be read fails alone with its URL and reason; one item that cannot be
read is skipped alone."""

from __future__ import annotations

import io
import re
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from werkzeug.wrappers import Request, Response

from tracker.collector import Discovery
from tracker.config import from_mapping
from tracker.errors import BadResponse
from tracker.feedparse import Document, FeedError, parse
from tracker.owner.background import BackgroundServer

CORPUS = Path(__file__).parent.parent / "feed_corpus"
_HEADER = re.compile(rb"^\s*Header:\s*([\w-]+):\s*(.*?)\s*$", re.M)


class DocumentServer:
    """Serves {path: (headers, body)} over real HTTP on loopback."""

    def __init__(self, documents: dict[str, tuple[dict[str, str], bytes]]) -> None:
        self.documents = documents
        self._server = BackgroundServer(self._app, name="feed-corpus").start()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = Request(environ).path
        if path not in self.documents:
            return Response(b"no such document", 404)(environ, start_response)
        headers, body = self.documents[path]
        return Response(body, 200, headers=headers)(environ, start_response)

    @property
    def url(self) -> str:
        return self._server.url

    def close(self) -> None:
        self._server.stop()


def _corpus_documents() -> dict[str, tuple[dict[str, str], bytes]]:
    documents = {}
    for path in sorted(CORPUS.glob("*.xml")):
        body = path.read_bytes()
        headers = {"Content-Type": "application/xml"}
        for name, value in _HEADER.findall(body.replace(b"\x00", b"")[:2000]):
            headers[name.decode().title()] = value.decode("latin-1")
        documents[f"/{path.name}"] = (headers, body)
    return documents


@pytest.fixture(scope="module")
def corpus_server():
    server = DocumentServer(_corpus_documents())
    yield server
    server.close()


def _fetch_and_parse(server: DocumentServer, name: str, public: str = "http://feeds.test") -> Document:
    response = httpx.get(f"{server.url}/{name}")
    assert response.status_code == 200
    return parse(response.content, f"{public}/{name}", headers=response.headers)


def test_every_corpus_feed_is_read_or_refused_with_a_feed_error(corpus_server):
    names = sorted(p.name for p in CORPUS.glob("*.xml"))
    assert len(names) >= 40
    read, refused = [], []
    for name in names:
        try:
            document = _fetch_and_parse(corpus_server, name)
        except FeedError as exc:  # anything else escaping is the crash this test exists for
            refused.append((name, str(exc)))
        else:
            assert document.kind in ("rss", "atom")
            read.append(name)
    # Every one is a feed a reader shows; the hand-written parser this replaced read 23 of these 46
    # (17 refused whole, 6 crashed with an exception that was not a FeedError).
    assert refused == []
    assert len(read) == len(names)


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("base_http_item_link_base_content_location.xml", "http://example.com/relative/uri"),
        ("base_http_entry_link_base_content_location.xml", "http://example.com/relative/link"),
        ("base_http_item_link_base_docuri.xml", "http://feeds.test/relative/uri"),
        ("illformed_rss_item_link_corrupted_ampersands.xml", "http://link/get?a=1&b=2"),
        ("atom10_entry_link_multiple.xml", "http://www.example.com/"),
        ("rss_item_guid_guidislink.xml", "http://guid.example.com/"),
    ],
)
def test_corpus_links_resolve_as_feedparser_documents_them(corpus_server, name, url):
    document = _fetch_and_parse(corpus_server, name)
    assert [e.url for e in document.entries] == [url]


def test_a_guid_that_is_not_a_permalink_is_not_an_article(corpus_server):
    assert _fetch_and_parse(corpus_server, "rss_item_guid_not_permalink.xml").entries == []


# -- documents built from real-world patterns ---------------------------------------------------

KOREAN = "서울 시장 선거 결과"
CHINESE_TRAD = "台北市長選舉結果"
CHINESE_SIMPL = "北京新闻发布会"
JAPANESE = "東京都知事選の結果"


def _rss_items(*items: str, declaration: str = '<?xml version="1.0"?>') -> str:
    return f'{declaration}<rss version="2.0"><channel><title>T</title>{"".join(items)}</channel></rss>'


def _item(title: str, link: str, extra: str = "") -> str:
    return f"<item><title>{title}</title><link>{link}</link>{extra}</item>"


OWN: dict[str, tuple[dict[str, str], bytes]] = {
    "/euc-kr.xml": (
        {"Content-Type": "application/rss+xml"},
        _rss_items(
            _item(KOREAN, "https://news.example.kr/a/1"),
            declaration='<?xml version="1.0" encoding="EUC-KR"?>',
        ).encode("euc-kr"),
    ),
    # A charset only in Content-Type, no XML declaration at all.
    "/big5.xml": (
        {"Content-Type": "text/xml; charset=big5"},
        _rss_items(_item(CHINESE_TRAD, "https://news.example.tw/a/1"), declaration="").encode("big5"),
    ),
    "/gb2312.xml": (
        {"Content-Type": "application/xml"},
        _rss_items(
            _item(CHINESE_SIMPL, "https://news.example.cn/a/1"),
            declaration='<?xml version="1.0" encoding="gb2312"?>',
        ).encode("gb2312"),
    ),
    "/shift_jis.xml": (
        {"Content-Type": "application/rss+xml; charset=Shift_JIS"},
        _rss_items(
            _item(JAPANESE, "https://news.example.jp/a/1"),
            declaration='<?xml version="1.0" encoding="Shift_JIS"?>',
        ).encode("shift_jis"),
    ),
    # UTF-16 (little-endian) with no byte-order mark and no declaration.
    "/utf-16le.xml": (
        {"Content-Type": "application/xml"},
        _rss_items(_item(KOREAN, "https://news.example.kr/a/2"), declaration="").encode("utf-16-le"),
    ),
    # HTML entities XML does not know, a bare ampersand, blank lines before the declaration.
    "/entities.xml": (
        {"Content-Type": "application/rss+xml"},
        (
            "\n\n  "
            + _rss_items(
                _item("Caf&eacute;&nbsp;society &mdash; the review", "https://news.example.com/a?x=1&y=2")
            )
        ).encode(),
    ),
}


@pytest.fixture(scope="module")
def own_server():
    server = DocumentServer(OWN)
    yield server
    server.close()


@pytest.mark.parametrize(
    ("path", "title", "url"),
    [
        ("euc-kr.xml", KOREAN, "https://news.example.kr/a/1"),
        ("big5.xml", CHINESE_TRAD, "https://news.example.tw/a/1"),
        ("gb2312.xml", CHINESE_SIMPL, "https://news.example.cn/a/1"),
        ("shift_jis.xml", JAPANESE, "https://news.example.jp/a/1"),
        ("utf-16le.xml", KOREAN, "https://news.example.kr/a/2"),
        ("entities.xml", "Café society — the review", "https://news.example.com/a?x=1&y=2"),
    ],
)
def test_legacy_encodings_and_entities_are_read(own_server, path, title, url):
    document = _fetch_and_parse(own_server, path)
    assert [(e.title, e.url) for e in document.entries] == [(title, url)]


def _dated(stamp: str, link: str = "https://news.example.com/a/1") -> bytes:
    return _rss_items(_item("T", link, f"<pubDate>{stamp}</pubDate>")).encode()


@pytest.mark.parametrize(
    ("stamp", "utc"),
    [
        ("Sat, 01 Jan 2005 10:00:00 MET", datetime(2005, 1, 1, 9, 0, tzinfo=UTC)),
        ("Sat, 02 Jul 2005 10:00:00 MEST", datetime(2005, 7, 2, 8, 0, tzinfo=UTC)),
        ("Sat, 01 Jan 2005 10:00:00 ET", datetime(2005, 1, 1, 15, 0, tzinfo=UTC)),
        ("Sat, 01 Jan 2005 10:00:00 CT", datetime(2005, 1, 1, 16, 0, tzinfo=UTC)),
        ("Sat, 01 Jan 2005 10:00:00 MT", datetime(2005, 1, 1, 17, 0, tzinfo=UTC)),
        ("Sat, 01 Jan 2005 10:00:00 PT", datetime(2005, 1, 1, 18, 0, tzinfo=UTC)),
        ("Sat, 01 Jan 2005 10:00:00 AT", datetime(2005, 1, 1, 14, 0, tzinfo=UTC)),
        ("2005-01-01T10:00:00-01:01", datetime(2005, 1, 1, 11, 1, tzinfo=UTC)),
        ("Thu, 01 Jan 2004", datetime(2004, 1, 1, tzinfo=UTC)),
        ("2003-12", datetime(2003, 12, 1, tzinfo=UTC)),
        ("Κυρ, 11 Ιούλ 2004 12:00:00 EST", datetime(2004, 7, 11, 17, 0, tzinfo=UTC)),
        ("2004년 05월 25일 01:38:22", datetime(2004, 5, 24, 16, 38, 22, tzinfo=UTC)),
        ("2004-05-25 오후 11:23:17", datetime(2004, 5, 25, 14, 23, 17, tzinfo=UTC)),
    ],
)
def test_dates_zone_abbreviations_and_odd_offsets(stamp, utc):
    document = parse(_dated(stamp), "https://news.example.com/feed")
    assert [e.published_at for e in document.entries] == [utc]


def test_an_unreadable_date_costs_only_that_items_date():
    body = _rss_items(
        _item("Odd", "https://news.example.com/a/1", "<pubDate>the day after tomorrow</pubDate>"),
        _item("Fine", "https://news.example.com/a/2", "<pubDate>Fri, 02 Jan 2026 10:00:00 +0000</pubDate>"),
    ).encode()
    entries = parse(body, "https://news.example.com/feed").entries
    assert [(e.title, e.published_at) for e in entries] == [
        ("Odd", None),
        ("Fine", datetime(2026, 1, 2, 10, 0, tzinfo=UTC)),
    ]


def test_a_broken_guid_is_skipped_alone():
    body = _rss_items(
        "<item><title>Broken</title><guid>http://example.c[o.test/</guid></item>",
        _item("Fine", "https://news.example.com/a/2"),
    ).encode()
    document = parse(body, "https://news.example.com/feed")
    assert [e.title for e in document.entries] == ["Fine"]


ATOM = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"{base}><title>T</title>{entries}</feed>'


def test_atom_xml_base_id_only_entries_and_json_alternates():
    entries = (
        '<entry><title>Relative</title><link href="2026/relative"/><id>tag:x,2026:1</id></entry>'
        "<entry><title>Id only</title><id>https://news.example.org/2026/id-only</id></entry>"
        '<entry><title>Json first</title><link rel="alternate" type="application/json" href="/wp-json/wp/v2/posts/7"/>'
        '<link rel="alternate" type="text/html" href="/2026/json-first"/><id>tag:x,2026:3</id></entry>'
    )
    body = ATOM.format(base=' xml:base="https://news.example.org/news/"', entries=entries).encode()
    document = parse(body, "https://elsewhere.example.net/feed")
    assert [(e.title, e.url) for e in document.entries] == [
        ("Relative", "https://news.example.org/news/2026/relative"),
        ("Id only", "https://news.example.org/2026/id-only"),
        ("Json first", "https://news.example.org/2026/json-first"),
    ]


def test_rss_item_with_only_an_atom_link():
    body = (
        b'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        b'<item><title>Atom-linked</title><atom:link href="https://news.example.com/2026/atom-linked"/></item>'
        b"</channel></rss>"
    )
    assert [e.url for e in parse(body, "https://news.example.com/feed").entries] == [
        "https://news.example.com/2026/atom-linked"
    ]


# -- untrusted XML ------------------------------------------------------------------------------

LAUGHS = "".join(f'<!ENTITY lol{n} "{"".join(f"&lol{n - 1};" for _ in range(10))}">' for n in range(2, 10))
BILLION_LAUGHS_ONE_LINE = (
    f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol1 "lol">{LAUGHS}]>'
    '<rss version="2.0"><channel><item><title>&lol9;</title><link>https://a.example/1</link></item></channel></rss>'
)
BILLION_LAUGHS_MULTI_LINE = BILLION_LAUGHS_ONE_LINE.replace("<!ENTITY", "\n<!ENTITY")


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS_ONE_LINE.encode(),
        BILLION_LAUGHS_MULTI_LINE.encode(),
        BILLION_LAUGHS_MULTI_LINE.replace('<?xml version="1.0"?>', "").encode("utf-16-le"),
        BILLION_LAUGHS_MULTI_LINE.replace("<rss", "<urlset").encode(),
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><item><title>&x;</title><link>https://a.example/1</link></item></channel></rss>",
    ],
    ids=["one-line", "multi-line", "utf-16-no-bom", "sitemap", "xxe"],
)
def test_entity_declarations_are_refused_before_any_parser_runs(body):
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(FeedError, match="declares entities"):
            parse(body, "https://news.example.com/feed")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 1.0
    assert peak < 1_000_000


def test_feedparser_alone_does_not_expand_a_billion_laughs_either():
    """Our refusal is defence in depth: feedparser drops entity declarations whose value refers
    to other entities, so even without it the title stays small."""
    started = time.monotonic()
    result = feedparser.parse(io.BytesIO(BILLION_LAUGHS_MULTI_LINE.encode()))
    assert time.monotonic() - started < 2.0
    assert all(len(e.get("title", "")) < 1000 for e in result.entries)


# -- one document fails alone -------------------------------------------------------------------


def test_a_site_with_an_unreadable_document_fails_alone_and_names_it(make_collector):
    good = _rss_items(_item("Good", "https://news.example.com/2026/good")).encode()
    server = DocumentServer(
        {
            "/good.xml": ({"Content-Type": "application/rss+xml"}, good),
            "/broken.xml": ({"Content-Type": "application/xml"}, b"\x89PNG\r\n\x1a\n binary junk"),
            "/korean.xml": OWN["/euc-kr.xml"],
        }
    )
    try:
        sites = from_mapping(
            {
                "sites": [
                    {
                        "name": "A",
                        "url": server.url,
                        "feeds": [f"{server.url}/broken.xml", f"{server.url}/korean.xml"],
                        "allow_private": True,
                    },
                    {
                        "name": "B",
                        "url": server.url + "/b",
                        "feeds": [f"{server.url}/good.xml"],
                        "allow_private": True,
                    },
                ]
            }
        ).sites
        records: list[Any] = []
        error = None
        try:
            for record in make_collector("feeds", sites=sites).collector.discover({}):
                records.append(record)
        except BadResponse as exc:
            error = exc
    finally:
        server.close()
    urls = sorted(r.url for r in records if isinstance(r, Discovery))
    assert error is None or "good.xml" not in str(error), str(error)
    assert urls == ["https://news.example.com/2026/good/", "https://news.example.kr/a/1/"]
    assert error is not None and str(error).count("failed") == 1
    assert f"{server.url}/broken.xml (not a feed" in str(error)
