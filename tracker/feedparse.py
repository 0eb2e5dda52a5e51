"""Reading the documents a news site publishes about itself: RSS 2.0, Atom, sitemaps, sitemap
indexes and Google News sitemaps, plus a page's rel=canonical. Pure functions on bytes, no HTTP,
so the `feeds` collector only fetches and the parsing can be read (and fuzzed) on its own.

Every document is untrusted. XML goes through defusedxml with entity declarations and external
references forbidden, so a billion-laughs body or an XXE probe fails at once instead of eating
memory or reading local files; gzip bodies are inflated with a size cap. Problems are `FeedError`
with a one-line message, which the collector turns into a BadResponse.
"""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Literal
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# The sitemap protocol caps one file at 50 MB uncompressed (https://www.sitemaps.org/protocol.html);
# nothing we read legitimately needs more.
MAX_XML_BYTES = 50 * 1024 * 1024
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")

Kind = Literal["rss", "atom", "urlset", "sitemapindex"]


class FeedError(ValueError):
    """A document we cannot use; `what` is a short category, the message one line."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(" ".join(detail.split())[:160])
        self.what = what


@dataclass(frozen=True)
class Entry:
    """One article as a feed or sitemap lists it (URL absolute but not yet canonicalised)."""

    url: str
    title: str | None = None
    published_at: datetime | None = None
    author: str | None = None
    section: str | None = None
    modified_at: datetime | None = None  # a sitemap's <lastmod>: when the page last changed


@dataclass
class Document:
    kind: Kind
    entries: list[Entry] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # the children of a sitemap index


def parse(body: bytes, base_url: str, max_bytes: int = MAX_XML_BYTES) -> Document:
    """Parse a feed or sitemap of any supported kind; relative links resolve against base_url."""
    root = parse_xml(body, max_bytes)
    kind = _local(root.tag)
    if kind == "rss" or kind == "RDF":
        return Document("rss", list(_rss_entries(root, base_url)))
    if kind == "feed":
        return Document("atom", list(_atom_entries(root, base_url)))
    if kind == "urlset":
        return Document("urlset", list(_urlset_entries(root, base_url)))
    if kind == "sitemapindex":
        locs = [_text(_child(s, "loc")) for s in _children(root, "sitemap")]
        return Document("sitemapindex", sitemaps=[urljoin(base_url, loc) for loc in locs if loc])
    raise FeedError("not a feed", f"root element <{kind}> is not rss, feed, urlset or sitemapindex")


def parse_xml(body: bytes, max_bytes: int = MAX_XML_BYTES) -> Element:
    """Safely parse untrusted XML (gzip allowed): no DTD entities, no external references."""
    if body[:2] == b"\x1f\x8b":  # a .xml.gz sitemap served as a file, not as Content-Encoding
        body = _gunzip(body, max_bytes)
    if len(body) > max_bytes:
        raise FeedError("too large", f"{len(body)} bytes is more than the {max_bytes}-byte limit")
    if not body.strip():
        raise FeedError("not XML", "(empty body)")
    try:
        root: Element = fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        return root
    except DefusedXmlException as exc:
        raise FeedError("unsafe XML", f"refused: {exc}") from None
    except ParseError as exc:
        head = body[:80].decode("utf-8", "replace")
        raise FeedError("not XML", f"{exc}: {head}") from None


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise FeedError("not XML", f"bad gzip data ({exc})") from None
    if len(out) > max_bytes:  # a gzip bomb: stop inflating at the cap
        raise FeedError("too large", f"gzip body inflates past the {max_bytes}-byte limit")
    return out


# -- formats -----------------------------------------------------------------------------------


def _rss_entries(root: Element, base_url: str) -> Iterator[Entry]:
    # RSS 2.0 (<rss><channel><item>) and RSS 1.0 (<rdf:RDF><item>) share the item vocabulary.
    for item in root.iter():
        if _local(item.tag) != "item":
            continue
        link = _text(_child(item, "link"))
        guid = _child(item, "guid")
        if not link and guid is not None and guid.get("isPermaLink", "true").lower() != "false":
            link = _text(guid)
        if not link:
            continue
        published = _text(_child(item, "pubDate")) or _text(_child(item, "date"))
        author = _text(_child(item, "creator")) or _rss_author(_text(_child(item, "author")))
        yield Entry(
            url=urljoin(base_url, link),
            title=clean_title(_text(_child(item, "title"))),
            published_at=parse_date(published) if published else None,
            author=author,
            section=_text(_child(item, "category")),
        )


def _rss_author(value: str | None) -> str | None:
    # RSS 2.0 <author> is an e-mail address, often "jane@example.com (Jane Park)".
    if not value:
        return None
    match = re.search(r"\(([^)]+)\)", value)
    return match.group(1).strip() if match else value


def _atom_entries(root: Element, base_url: str) -> Iterator[Entry]:
    for entry in _children(root, "entry"):
        link = None
        for candidate in _children(entry, "link"):
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate.get("href")
                break
        if not link:
            continue
        title_el = _child(entry, "title")
        is_html = title_el is not None and title_el.get("type", "text") in ("html", "xhtml")
        when = _text(_child(entry, "published")) or _text(_child(entry, "updated"))
        author = _child(entry, "author")
        category = _child(entry, "category")
        yield Entry(
            url=urljoin(base_url, link),
            title=clean_title(_all_text(title_el), is_html),
            published_at=parse_date(when) if when else None,
            author=_text(_child(author, "name")) if author is not None else None,
            section=(category.get("label") or category.get("term")) if category is not None else None,
        )


def _urlset_entries(root: Element, base_url: str) -> Iterator[Entry]:
    for url in _children(root, "url"):
        loc = _text(_child(url, "loc"))
        if not loc:
            continue
        lastmod = _text(_child(url, "lastmod"))
        # Google News sitemaps add <news:news> with the publication date and title.
        news = _child(url, "news")
        published = _text(_child(news, "publication_date")) if news is not None else None
        title = _text(_child(news, "title")) if news is not None else None
        yield Entry(
            url=urljoin(base_url, loc),
            title=clean_title(title),
            published_at=parse_date(published) if published else None,
            modified_at=parse_date(lastmod) if lastmod else None,
        )


# -- values ------------------------------------------------------------------------------------


def parse_date(text: str) -> datetime:
    """RFC 822 (RSS), RFC 3339 / W3C datetime (Atom, sitemaps) or a bare date, as aware UTC."""
    value = text.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        raise FeedError("bad date", f"unreadable date {value[:40]!r}")
    if parsed.tzinfo is None:  # "-0000" or a bare date: the formats mean UTC
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def clean_title(text: str | None, is_html: bool = True) -> str | None:
    """A title as a reader sees it: entities such as &#8211; decoded, markup dropped, one line."""
    if text is None:
        return None
    value = html.unescape(_TAG.sub("", text) if is_html else text)
    value = " ".join(value.split())
    return value or None


def find_canonical(page: str, base_url: str) -> str | None:
    """The absolute href of the page's first <link rel="canonical">, or None."""
    finder = _CanonicalFinder()
    try:
        finder.feed(page)
        finder.close()
    except _Found:
        pass
    return urljoin(base_url, finder.href) if finder.href else None


class _Found(Exception):
    pass


class _CanonicalFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            raise _Found  # rel=canonical belongs in <head>; stop reading the page
        if tag != "link":
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        if "canonical" in values.get("rel", "").lower().split() and values.get("href", "").strip():
            self.href = values["href"].strip()
            raise _Found

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


# -- ElementTree helpers (namespace-agnostic: feeds mix prefixes and schema versions) -----------


def _local(tag: object) -> str:
    name = tag if isinstance(tag, str) else ""
    return name.rsplit("}", 1)[-1]


def _children(parent: Element | None, name: str) -> list[Element]:
    return [] if parent is None else [c for c in parent if _local(c.tag) == name]


def _child(parent: Element | None, name: str) -> Element | None:
    found = _children(parent, name)
    return found[0] if found else None


def _text(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    value = element.text.strip()
    return value or None


def _all_text(element: Element | None) -> str | None:
    # Atom type="xhtml" titles carry child elements; their text is the title.
    if element is None:
        return None
    value = "".join(element.itertext()).strip()
    return value or None
