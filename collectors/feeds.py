"""Feeds: article discovery from the news sites we track (RSS 2.0 and Atom feeds, sitemaps,
sitemap indexes, Google News sitemaps, the WordPress REST API). A discovery source, not a
sampler: its records are articles, which the other platforms then search and sample.

`sample()` exists only for the contract and yields nothing, and `identify()` always answers
None: an article URL is not an item *of* this platform, so the runner never asks us to sample it.

Each run, per configured [[sites]] entry:
- feeds and sitemaps are fetched with If-None-Match / If-Modified-Since from the ETag and
  Last-Modified we saw last time (a `Cursor` per document URL whose value is
  {"etag": ..., "last_modified": ...}); a 304 yields nothing for it;
- a sitemap index is followed to its child sitemaps on the same host;
- the WordPress API is paged newest-first by X-WP-TotalPages and stops at posts no newer
  than the site's high-water mark (the `site:<url>` cursor, {"newest": ISO time}: the newest
  publication seen);
- articles no newer than that mark were discovered before and are not yielded again;
- with `follow_canonical`, each new article page is fetched once and its rel=canonical wins.

Nothing is fetched outside a site's own hosts (those of its url, fetch_base_url, feeds,
sitemaps and WordPress API, plus [platforms.feeds] allowed_hosts): a redirect or a listed
article elsewhere is not followed, and no loopback, link-local or private address is fetched
or tracked unless the site sets allow_private = true (the simulator does).

A failing source (malformed or hostile XML, an error status, a timeout) does not stop the
others. Everything the good sources gave is yielded first, with their cursors; then the run
raises one BadResponse naming every failed source (RateLimited when all of them were
throttled). The failed sources keep their old cursors and the site's mark does not move, so
the next run retries them without losing articles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from tracker.collector import Credential, Cursor, Discovery, Gone, JsonValue, Limits, Sample, Target
from tracker.collector_base import CollectorBase
from tracker.config import SiteConfig
from tracker.decode import expect, snippet
from tracker.errors import BadResponse, CollectorError, RateLimited, UnknownURL
from tracker.feedparse import Entry, FeedError, clean_title, find_canonical, parse, parse_date
from tracker.netguard import host_of, host_problem, hosts, literal_problem
from tracker.urls import NO_RULES, UrlRules, canonicalize, site_of

NAME = "feeds"
ROLES = ("discovers_articles",)
NEEDS = ("sites", "url_rules")  # [[sites]] and their article-key rules arrive as Settings fields
# Sites publish no crawl budget for feeds; one request a second per site is a polite default
# (each site has its own bucket, keyed by its URL). Override with [platforms.feeds.limits].
LIMITS = Limits(requests=60, per_seconds=60, max_batch=1, min_resample_s=300, header_style="none")
CREDENTIALS: tuple[Credential, ...] = ()

WORDPRESS_FIELDS = "id,date_gmt,link,title,categories,_links,_embedded"
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
# A date this far past our clock is a publisher's time-zone bug, not news: it does not move the mark.
FUTURE_SKEW = timedelta(minutes=15)
_MEMO_SIZE = 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Settings:
    sites: tuple[SiteConfig, ...] = ()  # the top-level [[sites]] tables (NEEDS)
    url_rules: UrlRules = NO_RULES  # the per-site canonical-URL rules (NEEDS; Config.url_rules)
    wordpress_per_page: int = 100  # the REST API's maximum per_page
    wordpress_max_pages: int = 5  # most pages one run reads from one site's API
    max_child_sitemaps: int = 50  # most child sitemaps followed from one sitemap index
    max_page_fetches: int = 100  # most article pages fetched per site and run for rel=canonical
    max_body_bytes: int = 50 * 1024 * 1024  # the sitemap protocol's per-file limit
    allowed_hosts: tuple[str, ...] = ()  # hosts any site may fetch besides its own (a CDN for feeds)


@dataclass
class _Found:
    """What one site's sources said this run: articles by listed URL, cursors, failures."""

    entries: dict[str, Entry]
    cursors: list[Cursor]
    failures: list[tuple[str, CollectorError]]
    newest: datetime | None = None
    incomplete: bool = False  # some new article could not be resolved: keep every cursor where it was


class Refused(BadResponse):
    """A request the site's host rules forbid; nothing was sent to that address."""


def unusable(settings: Settings) -> str | None:
    """Nothing to read without a [[sites]] entry."""
    return None if settings.sites else "no [[sites]] configured"


class Collector(CollectorBase[Settings]):
    def connect(self) -> None:
        self._canonical: dict[str, str | None] = {}  # listed URL -> rel=canonical (None: page gone)
        self._guards: dict[str, Callable[[httpx.Request], None]] = {}
        self._hosts: dict[str, set[str]] = {}  # site URL -> the hosts it may fetch

    def identify(self, url: str) -> str | None:
        return None  # articles are not items of this platform

    def sample(self, targets: Sequence[Target]) -> Iterator[Sample | Gone]:
        return iter(())

    def discover(self, cursors: Mapping[str, JsonValue]) -> Iterator[Discovery | Sample | Cursor]:
        """Articles of every configured site, then cursors; one BadResponse at the end for failures."""
        failures: list[tuple[str, CollectorError]] = []
        throttled_sites = 0
        for site in self.settings.sites:
            found = _Found({}, [], [])
            mark = _read_mark(cursors.get(_mark_source(site)))
            for url in (*site.feeds, *site.sitemaps):
                self._guarded(found, url, self._read_document, site, url, cursors, found, 0)
            if site.wordpress_api:
                self._guarded(found, site.wordpress_api, self._read_wordpress, site, mark, found)
            yield from self._articles(site, found, mark)
            if not found.incomplete:
                yield from found.cursors
                moved = found.newest is not None and (mark is None or found.newest > mark)
                if not found.failures and found.newest is not None and moved:
                    yield Cursor(NAME, _mark_source(site), {"newest": found.newest.isoformat()})
            failures.extend(found.failures)
            if found.failures and all(isinstance(e, RateLimited) for _, e in found.failures):
                throttled_sites += 1
        if failures:
            # Throttling is the whole answer only when every site was throttled; otherwise the
            # run is an error and each throttled site's own bucket keeps us away from it.
            raise _summary(failures, every_site_throttled=throttled_sites == len(self.settings.sites))

    # -- sources -------------------------------------------------------------------------------

    def _guarded(self, found: _Found, source: str, read: Callable[..., None], *args: Any) -> None:
        """Run one source's reader; its failure is recorded and the other sources go on."""
        try:
            read(*args)
        except FeedError as exc:
            found.failures.append((source, BadResponse(NAME, 200, str(exc), exc.what)))
        except CollectorError as exc:
            found.failures.append((source, exc))
        except (httpx.HTTPError, httpx.InvalidURL, UnknownURL) as exc:
            found.failures.append(
                (source, BadResponse(NAME, 0, f"{type(exc).__name__}: {exc}", "request failed"))
            )
        except (ValueError, UnicodeError) as exc:  # a document we could not make sense of: it fails alone
            found.failures.append(
                (source, BadResponse(NAME, 200, f"{type(exc).__name__}: {exc}", "unreadable"))
            )

    def _read_document(
        self, site: SiteConfig, url: str, cursors: Mapping[str, JsonValue], found: _Found, depth: int
    ) -> None:
        """A feed or sitemap (following an index one level down); its validators become a cursor."""
        response = self._get(site, url, FEED_ACCEPT, cursors.get(url))
        if response is None:
            return  # 304: nothing changed since last time
        document = parse(response.content, url, self.settings.max_body_bytes, response.headers)
        failed_before = len(found.failures)
        if document.kind == "sitemapindex":
            if depth > 0:
                raise FeedError("nested sitemap index", f"{url} is an index inside an index")
            host = urlsplit(url).hostname
            # Google: "The referenced sitemaps must be hosted on the same site as your sitemap index".
            children = [c for c in document.sitemaps if urlsplit(c).hostname == host]
            for child in children[: self.settings.max_child_sitemaps]:
                self._guarded(found, child, self._read_document, site, child, cursors, found, depth + 1)
        for entry in document.entries:
            self._add(found, entry, site)
        validators = _validators(response)
        # An index whose child failed keeps its old validators, so the child is retried next run.
        if validators and len(found.failures) == failed_before:
            found.cursors.append(Cursor(NAME, url, validators))

    def _read_wordpress(self, site: SiteConfig, mark: datetime | None, found: _Found) -> None:
        """Posts newest first, page by page, until X-WP-TotalPages or a post we have seen."""
        page, total_pages = 1, 1
        while page <= min(total_pages, self.settings.wordpress_max_pages):
            params: dict[str, str | int] = {
                "per_page": self.settings.wordpress_per_page,
                "page": page,
                "orderby": "date",
                "order": "desc",
                "_fields": WORDPRESS_FIELDS,
                "_embed": "author,wp:term",
            }
            response = self._get(site, site.wordpress_api, "application/json", None, params)
            assert response is not None
            posts = self.decode.expect(response, self.decode.json(response), list, "posts")
            total_pages = _header_int(response, "x-wp-totalpages", default=page)
            reached_mark = False
            for post in posts:
                entry = _wordpress_entry(response, expect(NAME, response, post, dict, "post"), site.url)
                if entry is None:
                    continue
                if mark is not None and entry.published_at is not None and entry.published_at <= mark:
                    reached_mark = True
                self._add(found, entry, site)
            if reached_mark or not posts:
                break
            page += 1

    def _get(
        self,
        site: SiteConfig,
        url: str,
        accept: str,
        validators: JsonValue,
        params: Mapping[str, str | int] | None = None,
    ) -> httpx.Response | None:
        """GET a public URL (from the site's fetch_base_url when set); None for 304 Not Modified."""
        target = _fetch_url(site, url)
        parts = urlsplit(target)
        client = self.http.client(
            f"{parts.scheme}://{parts.netloc}",
            limiter_key=site.url,
            request_guard=self._guard(site),
            public_only=not site.allow_private,
        )
        headers = {"Accept": accept, **_conditional_headers(validators)}
        response = client.get(target, params=params, headers=headers)
        if response.status_code == 304 and validators:
            return None
        if response.status_code >= 400 or response.status_code == 304:
            text = snippet(response.text, self.redact) if response.content else "(empty body)"
            raise BadResponse(NAME, response.status_code, text, "error answer")
        return response

    def _site_hosts(self, site: SiteConfig) -> set[str]:
        if site.url not in self._hosts:
            urls = (site.url, site.fetch_base_url, site.wordpress_api, *site.feeds, *site.sitemaps)
            extra = {host_of(h) for h in self.settings.allowed_hosts}
            self._hosts[site.url] = hosts(u for u in urls if u) | extra
        return self._hosts[site.url]

    def _guard(self, site: SiteConfig) -> Callable[[httpx.Request], None]:
        """Refuses every request (redirects included) to a host outside the site or to a
        non-public address the site does not allow."""
        if site.url not in self._guards:
            allowed = self._site_hosts(site)

            def guard(request: httpx.Request) -> None:
                host = host_of(request.url.host)
                if host not in allowed:
                    raise Refused(
                        NAME, 0, f"{host} is not one of the site's hosts ({request.url})", "refused"
                    )
                problem = None if site.allow_private else host_problem(host)
                if problem:
                    raise Refused(
                        NAME, 0, f"{problem}; set allow_private for this site to fetch it", "refused"
                    )

            self._guards[site.url] = guard
        return self._guards[site.url]

    # -- articles ------------------------------------------------------------------------------

    def _add(self, found: _Found, entry: Entry, site: SiteConfig) -> None:
        """Merge one listed article (several sources may list it; the first value of a field wins)."""
        try:
            key = canonicalize(entry.url, self.settings.url_rules)
        except UnknownURL:
            return  # a mailto:, javascript: or garbage link is not an article
        host = host_of(urlsplit(key).hostname)
        if literal_problem(host) and not (site.allow_private and host in self._site_hosts(site)):
            return  # http://169.254.169.254/, http://2130706433/: not an article unless the site is there
        entry = replace(entry, url=key)
        previous = found.entries.get(key)
        found.entries[key] = entry if previous is None else _merge(previous, entry)
        when = entry.published_at or entry.modified_at
        if when is not None and when <= self.clock.now() + FUTURE_SKEW:
            found.newest = when if found.newest is None else max(found.newest, when)

    def _articles(self, site: SiteConfig, found: _Found, mark: datetime | None) -> Iterator[Discovery]:
        """The new articles of a site as Discoveries, rel=canonical followed when asked."""
        fresh = [e for e in found.entries.values() if _is_new(e, mark)]
        fresh.sort(key=lambda e: e.published_at or e.modified_at or _EPOCH, reverse=True)
        merged: dict[str, Entry] = {}
        fetches = 0
        for entry in fresh:
            url: str | None = entry.url
            page = self._page_on_site(site, entry.url) if site.follow_canonical else None
            if page is not None:
                if entry.url not in self._canonical:
                    if fetches >= self.settings.max_page_fetches:
                        found.incomplete = True  # the rest waits for the next run (oldest last)
                        continue
                    fetches += 1
                    if not self._resolve(site, entry.url, page, found):
                        found.incomplete = True
                        continue
                url = self._canonical[entry.url]
            if url is None:
                continue  # the page is gone (404/410): not an article to track
            previous = merged.get(url)
            entry = replace(entry, url=url)
            merged[url] = entry if previous is None else _merge(previous, entry)
        for entry in merged.values():
            yield Discovery(
                platform=NAME,
                item_key=entry.url,
                url=entry.url,
                title=entry.title,
                published_at=entry.published_at,
                links_to=entry.url,
                author=entry.author,
                section=entry.section,
                kind="article",
            )

    def _page_on_site(self, site: SiteConfig, key: str) -> str | None:
        """Where to fetch an article's page: its key when that is on the site's hosts; on the
        site's own host when the key folded that host away (the key of www.example.com/a is
        example.com/a, which www.example.com serves); None for an article of another site."""
        parts = urlsplit(key)
        host = host_of(parts.hostname)
        if host in self._site_hosts(site):
            return key
        if host == site_of(site.url, self.settings.url_rules):
            own = urlsplit(site.url)
            return urlunsplit((own.scheme, own.netloc, parts.path, parts.query, ""))
        return None

    def _resolve(self, site: SiteConfig, key: str, page: str, found: _Found) -> bool:
        """Fetch an article's page once and remember its canonical URL under its key; False
        when that failed."""
        url = key
        try:
            response = self._get(site, page, PAGE_ACCEPT, None)
        except Refused:
            self._remember(url, url)  # a redirect off the site: keep the listed URL, fetch nothing
            return True
        except BadResponse as exc:
            if exc.status in (404, 410):
                self._remember(url, None)
                return True
            found.failures.append((page, exc))
            return False
        except CollectorError as exc:
            found.failures.append((page, exc))
            return False
        assert response is not None
        canonical = url
        href = find_canonical(response.text, page)
        if href:
            try:
                candidate = canonicalize(href, self.settings.url_rules)
            except UnknownURL:
                candidate = url
            # A canonical pointing at the home page is a known CMS mistake (web.dev/canonical): ignore it.
            if urlsplit(candidate).path not in ("", "/"):
                canonical = candidate
        self._remember(url, canonical)
        return True

    def _remember(self, url: str, canonical: str | None) -> None:
        if len(self._canonical) >= _MEMO_SIZE:
            self._canonical.pop(next(iter(self._canonical)))
        self._canonical[url] = canonical


# -- helpers -----------------------------------------------------------------------------------


def _fetch_url(site: SiteConfig, url: str) -> str:
    """Where to fetch a public URL: under fetch_base_url when it belongs to the site."""
    base = site.url.rstrip("/")
    if site.fetch_base_url and (url == base or url.startswith((base + "/", base + "?"))):
        return site.fetch_base_url.rstrip("/") + url[len(base) :]
    return url


def _mark_source(site: SiteConfig) -> str:
    return f"site:{site.url.rstrip('/')}"


def _read_mark(value: JsonValue) -> datetime | None:
    newest = value.get("newest") if isinstance(value, dict) else None
    if not isinstance(newest, str):
        return None  # no mark, or an unreadable one: read everything again (idempotent downstream)
    try:
        return parse_date(newest)
    except ValueError:
        return None


def _is_new(entry: Entry, mark: datetime | None) -> bool:
    when = entry.published_at or entry.modified_at
    return mark is None or when is None or when > mark


def _merge(first: Entry, second: Entry) -> Entry:
    return Entry(
        url=first.url,
        title=first.title or second.title,
        published_at=first.published_at or second.published_at,
        author=first.author or second.author,
        section=first.section or second.section,
        modified_at=first.modified_at or second.modified_at,
    )


def _validators(response: httpx.Response) -> dict[str, JsonValue] | None:
    value: dict[str, JsonValue] = {
        k: v
        for k, v in (
            ("etag", response.headers.get("etag")),
            ("last_modified", response.headers.get("last-modified")),
        )
        if v
    }
    return value or None


def _conditional_headers(value: JsonValue) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    headers: dict[str, str] = {}
    etag, last_modified = value.get("etag"), value.get("last_modified")
    if isinstance(etag, str):
        headers["If-None-Match"] = etag
    if isinstance(last_modified, str):
        headers["If-Modified-Since"] = last_modified
    return headers


def _header_int(response: httpx.Response, name: str, default: int) -> int:
    raw = response.headers.get(name)
    if raw is None:
        return default
    if not raw.strip().isdigit():
        raise BadResponse(NAME, response.status_code, f"{name}={raw[:40]!r} is not a number", "wrong shape")
    return int(raw.strip())


def _wordpress_entry(response: httpx.Response, post: Mapping[str, object], site_url: str) -> Entry | None:
    """One /wp/v2/posts item; author and section come from `_embedded` when the site embeds them."""
    link = post.get("link")
    if not isinstance(link, str) or not link:
        return None
    title = post.get("title")
    rendered = title.get("rendered") if isinstance(title, dict) else None
    date_gmt = post.get("date_gmt")
    try:
        published = parse_date(date_gmt) if isinstance(date_gmt, str) and date_gmt else None
    except FeedError as exc:
        raise BadResponse(NAME, response.status_code, str(exc), "wrong shape") from None
    embedded = post.get("_embedded")
    author = section = None
    if isinstance(embedded, dict):
        authors = embedded.get("author")
        if isinstance(authors, list) and authors and isinstance(authors[0], dict):
            name = authors[0].get("name")
            author = name if isinstance(name, str) and name else None
        for group in embedded.get("wp:term") or []:
            terms = [t for t in group if isinstance(t, dict)] if isinstance(group, list) else []
            categories = [
                t for t in terms if t.get("taxonomy") == "category" and isinstance(t.get("name"), str)
            ]
            if categories:
                section = clean_title(str(categories[0]["name"]))
                break
    return Entry(
        url=urljoin(site_url + "/", link),
        title=clean_title(rendered) if isinstance(rendered, str) else None,
        published_at=published,
        author=author,
        section=section,
    )


def _summary(failures: list[tuple[str, CollectorError]], every_site_throttled: bool) -> CollectorError:
    """One error for the whole run, naming each failed source."""
    if every_site_throttled:
        first = min((exc for _, exc in failures if isinstance(exc, RateLimited)), key=lambda e: e.retry_at)
        return RateLimited(NAME, first.retry_at, f"{len(failures)} source(s) throttled")
    parts = [f"{source} ({_reason(exc)})" for source, exc in failures]
    status = next((exc.status for _, exc in failures if isinstance(exc, BadResponse)), 0)
    return BadResponse(NAME, status, "; ".join(parts), f"{len(failures)} source(s) failed")


def _reason(exc: CollectorError) -> str:
    text = str(exc).removeprefix(f"{NAME}: ")
    return text[:100] + ("…" if len(text) > 100 else "")
