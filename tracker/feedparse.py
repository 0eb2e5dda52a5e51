"""Reading the documents a news site publishes about itself: RSS (0.9x, 1.0, 2.0), Atom,
sitemaps, sitemap indexes and Google News sitemaps, plus a page's rel=canonical. Pure functions
on bytes, no HTTP, so the `feeds` collector only fetches and the parsing can be read (and
fuzzed) on its own.

Feeds are read by feedparser: the real web writes them in legacy and multi-byte encodings
(EUC-KR, Big5, Shift_JIS, UTF-16 without a byte-order mark, a charset named only in the
HTTP Content-Type), with HTML entities, bare ampersands, dates in a dozen formats and zone
abbreviations, xml:base and Content-Location, and feedparser has read all of that for twenty
years (its test suite is our corpus in tests/feed_corpus). Sitemaps, which feedparser does not
read and which the protocol requires to be UTF-8, go through defusedxml.

Every document is untrusted. A document declaring entities (billion laughs, XXE) is refused
before any parser sees it; feedparser is handed bytes in a BytesIO (a string would make it
open URLs and files); sitemaps parse with entities and external references forbidden; gzip
bodies inflate with a size cap. A document that cannot be read is `FeedError` with a one-line
message, which the collector turns into a BadResponse for that document alone; an item that
cannot be read is skipped alone.
"""

from __future__ import annotations

import calendar
import html
import io
import re
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# The sitemap protocol caps one file at 50 MB uncompressed (https://www.sitemaps.org/protocol.html);
# nothing we read legitimately needs more.
MAX_XML_BYTES = 50 * 1024 * 1024
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# The first element of a document (after the prolog, comments and any leading junk).
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
# An entity declaration in any encoding feedparser may decode (ASCII-compatible, UTF-16, UTF-32,
# EBCDIC): the one construct that lets a document expand itself or reach outside.
_ENTITY_DECLARATIONS = tuple(
    "<!ENTITY".encode(codec)
    for codec in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp037")
)
_HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml"})
_NOT_PAGES = ("json", "xml", "rss", "atom", "audio/", "video/", "image/", "pdf")

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
    skipped: int = 0  # items that could not be read (each skipped alone)


def parse(
    body: bytes,
    base_url: str,
    max_bytes: int = MAX_XML_BYTES,
    headers: Mapping[str, str] | None = None,
) -> Document:
    """Parse a feed or sitemap of any supported kind. Relative links resolve against xml:base,
    the Content-Location header, then base_url; `headers` (Content-Type, Content-Location)
    are the HTTP answer's, whose charset wins over a missing or wrong XML declaration."""
    body = _bounded(body, max_bytes)
    refuse_entity_declarations(body)
    kind = _first_element(body)
    if kind in ("urlset", "sitemapindex"):
        root = parse_xml(body.lstrip(b" \t\r\n"), max_bytes)
        if kind == "urlset":
            entries, skipped = _each(lambda url: _urlset_entry(url, base_url), _children(root, "url"))
            return Document("urlset", entries, skipped=skipped)
        locs = [_text(_child(s, "loc")) for s in _children(root, "sitemap")]
        children, skipped = _each(lambda loc: _web_url(urljoin(base_url, loc)), [loc for loc in locs if loc])
        return Document("sitemapindex", sitemaps=children, skipped=skipped)
    return _parse_feed(body, base_url, headers or {})


def refuse_entity_declarations(body: bytes) -> None:
    """FeedError for a document declaring entities: no feed needs one, and they are how a
    body expands itself a billion times or reads a local file (XXE)."""
    if any(marker in body for marker in _ENTITY_DECLARATIONS):
        raise FeedError("unsafe XML", "refused: the document declares entities (<!ENTITY)")


def parse_xml(body: bytes, max_bytes: int = MAX_XML_BYTES) -> Element:
    """Safely parse untrusted XML (gzip allowed): no DTD entities, no external references."""
    body = _bounded(body, max_bytes)
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


def _bounded(body: bytes, max_bytes: int) -> bytes:
    if body[:2] == b"\x1f\x8b":  # a .xml.gz sitemap served as a file, not as Content-Encoding
        body = _gunzip(body, max_bytes)
    if len(body) > max_bytes:
        raise FeedError("too large", f"{len(body)} bytes is more than the {max_bytes}-byte limit")
    return body


def _first_element(body: bytes) -> str:
    """The local name of the root element, when it is written in an ASCII-compatible encoding."""
    head = re.sub(rb"<!--.*?-->|<\?.*?\?>|<!.*?>", b"", body[:4096], flags=re.S)
    match = _FIRST_ELEMENT.search(head)
    return match.group(2).decode("ascii") if match else ""


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise FeedError("not XML", f"bad gzip data ({exc})") from None
    if len(out) > max_bytes:  # a gzip bomb: stop inflating at the cap
        raise FeedError("too large", f"gzip body inflates past the {max_bytes}-byte limit")
    return out


def _each(convert: Callable[[Any], Any], items: Iterable[Any]) -> tuple[list[Any], int]:
    """Every item `convert` could read (None results dropped), and how many it could not: an
    item fails alone (a guid like http://example.c[o.test/, a link that is not a URL)."""
    kept: list[Any] = []
    skipped = 0
    for item in items:
        try:
            value = convert(item)
        except (ValueError, TypeError, KeyError, AttributeError):  # FeedError is a ValueError
            skipped += 1
            continue
        if value is not None:
            kept.append(value)
    return kept, skipped


# -- feeds (feedparser) --------------------------------------------------------------------------


def _parse_feed(body: bytes, base_url: str, headers: Mapping[str, str]) -> Document:
    response_headers = {
        k.lower(): v
        for k, v in headers.items()
        if k.lower() in ("content-type", "content-location", "content-language")
    }
    # Bytes in a BytesIO: feedparser treats a str as a URL or a file name to open.
    result = feedparser.parse(
        io.BytesIO(_with_utf16_bom(body)),
        response_headers={**response_headers, "content-location": _base(base_url, response_headers)},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    version = str(result.get("version") or "")
    entries = list(result.get("entries") or [])
    if not version and not entries:
        root = _first_element(body)
        if root and root not in ("rss", "RDF", "feed", "channel"):
            raise FeedError("not a feed", f"root element <{root}> is not rss, feed, urlset or sitemapindex")
        problem = result.get("bozo_exception")
        reason = f"{type(problem).__name__}: {problem}" if problem else "no RSS or Atom in it"
        head = body[:60].decode("utf-8", "replace")
        raise FeedError("not a feed", f"{reason} ({head})")
    kept, skipped = _each(_feed_entry, entries)
    return Document("atom" if version.startswith("atom") else "rss", kept, skipped=skipped)


def _with_utf16_bom(body: bytes) -> bytes:
    """UTF-16 written without its byte-order mark (`<\\0` or `\\0<` up front) gets one, so the
    encoding is found even when no declaration names it."""
    head = body[:2]
    if head == b"<\x00":
        return b"\xff\xfe" + body
    if head == b"\x00<":
        return b"\xfe\xff" + body
    return body


def _base(base_url: str, headers: Mapping[str, str]) -> str:
    """Content-Location (resolved against the document's URL) or the document's URL."""
    location = headers.get("content-location", "").strip()
    return urljoin(base_url, location) if location else base_url


def _feed_entry(entry: Mapping[str, Any]) -> Entry | None:
    """One feed item as an Entry; None when it names no web page."""
    entry = dict(entry)  # plain lookups: FeedParserDict maps missing keys to others, with warnings
    url = _entry_url(entry)
    if url is None:
        return None
    title_detail = entry.get("title_detail") or {}
    is_html = str(title_detail.get("type", "text/plain")) in ("text/html", "application/xhtml+xml")
    author_detail = entry.get("author_detail") or {}
    tags = entry.get("tags") or []
    section = (tags[0].get("label") or tags[0].get("term")) if tags else None
    return Entry(
        url=url,
        title=clean_title(entry.get("title"), is_html),
        published_at=_entry_date(entry),
        author=author_detail.get("name") or entry.get("author") or None,
        section=clean_title(section, is_html=False) if isinstance(section, str) else None,
    )


def _entry_url(entry: Mapping[str, Any]) -> str | None:
    """The entry's web page: an alternate link of a page type (not its JSON or XML twin),
    else any link feedparser chose, else an http(s) URL used as its id or permalink guid."""
    links = [link for link in entry.get("links") or [] if link.get("href")]
    alternates = [link for link in links if link.get("rel", "alternate") == "alternate"]
    for link in alternates:
        if str(link.get("type", "")).split(";")[0].strip().lower() in _HTML_TYPES:
            return _web_url(link["href"])
    for link in alternates:
        if not any(kind in str(link.get("type", "")).lower() for kind in _NOT_PAGES):
            return _web_url(link["href"])
    for candidate in (entry.get("link"), entry.get("id") if entry.get("guidislink", True) else None):
        if isinstance(candidate, str) and urlsplit(candidate.strip()).scheme in ("http", "https"):
            return _web_url(candidate)
    return None


def _web_url(href: str) -> str:
    """An absolute http(s) URL, or ValueError (the item is skipped alone)."""
    value = href.strip()
    parts = urlsplit(value)  # ValueError for "Invalid IPv6 URL" and kin
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not a web page: {value[:80]!r}")
    return value


def _entry_date(entry: Mapping[str, Any]) -> datetime | None:
    """The entry's publication (else update) time in UTC; None when no date could be read."""
    for raw, parsed in (("published", "published_parsed"), ("updated", "updated_parsed")):
        text = entry.get(raw)
        if isinstance(text, str) and (korean := _korean_date(text)) is not None:
            return korean
        if entry.get(parsed):
            return _when(entry[parsed])
    return None


# Korean blog platforms write "2004년 05월 25일 01:38:22" (OnBlog) and "2004-05-25 오후 11:23:17"
# (Nate), in Korean time. feedparser 6.0.14 has handlers for both but tries its loose ISO 8601
# reader first, which misreads them (2004-12-01, or midnight), so they are read here.
_KOREAN_DATE = re.compile(
    r"(\d{4})(?:년\s*|-)(\d{1,2})(?:월\s*|-)(\d{1,2})일?\s+(?:(오전|오후)\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?"
)
_KST = timezone(timedelta(hours=9))


def _korean_date(text: str) -> datetime | None:
    match = _KOREAN_DATE.fullmatch(text.strip())
    if match is None or not re.search("[년월일전후]", text):
        return None
    year, month, day, half, hour, minute, second = match.groups()
    hours = int(hour) % 12 + (12 if half == "오후" else 0) if half else int(hour)
    try:
        local = datetime(int(year), int(month), int(day), hours, int(minute), int(second or 0), tzinfo=_KST)
    except ValueError:
        return None
    return local.astimezone(UTC)


def _when(parsed: time.struct_time | None) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime."""
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


# -- sitemaps (defusedxml) -----------------------------------------------------------------------


def _urlset_entry(url: Element, base_url: str) -> Entry | None:
    loc = _text(_child(url, "loc"))
    if not loc:
        return None
    # Google News sitemaps add <news:news> with the publication date and title.
    news = _child(url, "news")
    return Entry(
        url=_web_url(urljoin(base_url, loc)),
        title=clean_title(_text(_child(news, "title"))) if news is not None else None,
        published_at=_date_or_none(_text(_child(news, "publication_date")) if news is not None else None),
        modified_at=_date_or_none(_text(_child(url, "lastmod"))),
    )


def _date_or_none(text: str | None) -> datetime | None:
    """A sitemap date, or None when absent or unreadable (the URL is still worth having)."""
    if not text:
        return None
    try:
        return parse_date(text)
    except FeedError:
        return None


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
