"""Mastodon, per configured instance: boost/favourite/reply/quote counts of statuses by id,
and each instance's trending links as a discovery source with a share count and a rank.

Every instance is its own server with its own budget (300 requests per 5 minutes per IP), so
each gets its own client and limiter. Item keys are "<instance host>/<status id>" because a
status id only means something on the instance that issued it. API facts are cited in
docs/platforms/mastodon.md: GET /api/v1/statuses?id[]= (Mastodon 4.3+) takes up to 20 ids
and silently leaves out statuses that are gone or not visible; GET /api/v1/statuses/:id
answers 404 for a status that "does not exist or is private"; trend history counts are
strings ("455").

A status URL on an instance that is not configured (`https://any.host/@user/<id>`) is tracked
too, but only in the exact shapes Mastodon prints, at the root of the host, with an id of a
Mastodon snowflake's length (17 to 19 digits since 2017), so an article URL on a news site is
not mistaken for one. Its instance is adopted when its statuses are sampled: its own client at
the URL's origin, its own limiter, never the token, and only at a public address (the rules of
tracker.netguard; `allow_private` opens loopback and private ones, for the simulator).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from tracker.collector import Credential, Cursor, Discovery, Gone, JsonValue, Limits, Sample, Target
from tracker.collector_base import CollectorBase
from tracker.decode import count, expect, timestamp
from tracker.errors import BadResponse, UnknownURL
from tracker.netguard import host_of, host_problem, literal_problem
from tracker.urls import NO_RULES, UrlRules, canonicalize

NAME = "mastodon"
ROLES = ("samples", "reads_trends")
NEEDS = ("url_rules",)  # the per-site article-key rules (Config.url_rules) arrive as Settings.url_rules
COLOR = "#6364ff"
# 300 requests per 5 minutes per IP (and per account with a token), per instance; the batch
# lookup caps ids at DEFAULT_STATUSES_LIMIT = 20.
LIMITS = Limits(requests=300, per_seconds=300, max_batch=20, min_resample_s=60, header_style="mastodon")
CREDENTIALS = (
    Credential(
        "access_token",
        "MASTODON_ACCESS_TOKEN",
        required=False,
        help="user or app token of the FIRST configured instance; only that instance receives it",
    ),
)
METRIC_FIELDS = {
    "reblogs_count": "reposts",
    "favourites_count": "likes",
    "replies_count": "replies",
    "quotes_count": "quotes",
}
LINK_PREFIX = "link:"  # item keys of trending links: "<host>/link:<canonical url>"
_STATUS_PATHS = (
    re.compile(r"^/@[^/]+/(\d+)/?$"),
    re.compile(r"^/users/[^/]+/statuses/(\d+)/?$"),
    re.compile(r"^/web/statuses/(\d+)/?$"),  # the web app's own permalink
)
_SNOWFLAKE = re.compile(r"^\d{17,19}$")  # ids on instances we were not told about


@dataclass(frozen=True)
class Settings:
    url_rules: UrlRules = NO_RULES  # NEEDS: how [[sites]] key their articles
    instances: tuple[str, ...] = ("https://mastodon.social",)  # base URLs, one per instance
    trend_links: int = 20  # trends/links `limit`; the documented maximum is 20
    # Statuses on instances that are not configured may be at loopback/private addresses (the simulator).
    allow_private: bool = False


@dataclass(frozen=True)
class Instance:
    base_url: str
    host: str  # host[:port], the first part of every item key
    path: str  # a path prefix the instance is served under ("" for a real instance)
    client: httpx.Client


class Collector(CollectorBase[Settings]):
    def connect(self) -> None:
        http = self.http
        token = self.credentials.get("access_token")
        self.instances: dict[str, Instance] = {}
        for i, base in enumerate(self.settings.instances):
            parts = urlsplit(base.rstrip("/"))
            host = parts.netloc.lower()
            # A token is issued by one server: sending it to the others would leak it.
            headers = {"Authorization": f"Bearer {token.reveal()}"} if token and i == 0 else None
            client = http.client(base.rstrip("/"), limiter_key=host, headers=headers)
            self.instances.setdefault(host, Instance(base.rstrip("/"), host, parts.path, client))
        self.adopted: dict[str, Instance] = {}  # instances met in status URLs, by host
        self._adopting = threading.Lock()

    def identify(self, url: str) -> str | None:
        """ "https://<host>/@user/<id>", ".../users/<user>/statuses/<id>" or ".../web/statuses/<id>"
        -> "<host>/<id>", on a configured instance or (stricter) on any public host."""
        try:
            parts = urlsplit(url.strip())
            netloc = _netloc(parts.hostname, parts.port)
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not netloc:
            return None
        instance = self.instances.get(parts.netloc.lower()) or self.instances.get(netloc)
        if instance is not None:
            if not parts.path.startswith(instance.path):
                return None
            status_id = _status_id(parts.path[len(instance.path) :])
            return f"{instance.host}/{status_id}" if status_id else None
        status_id = _status_id(parts.path)
        if status_id is None or not _SNOWFLAKE.match(status_id):
            return None
        if parts.username or parts.password or parts.port == 0:
            return None
        if literal_problem(host_of(parts.hostname)) and not self.settings.allow_private:
            return None  # a loopback or private address is no instance (see tracker.netguard)
        return f"{netloc}/{status_id}"

    def batch_group(self, target: Target) -> str:
        """The runner keeps one instance's statuses together, so a batch is one request."""
        return target.item_key.partition("/")[0]

    def sample(self, targets: Sequence[Target]) -> Iterator[Sample | Gone]:
        """One request per instance among the targets: by id for one status, id[] for several."""
        groups: dict[str, list[tuple[Target, str]]] = {}
        for target in targets:
            host, _, status_id = target.item_key.partition("/")
            if status_id.startswith(LINK_PREFIX):
                # Trending links are observed by discover() only; retire them from id sampling.
                yield Gone(target, "removed")
            elif not status_id.isdigit() or self._instance(target) is None:
                yield Gone(target, "not_found")  # an instance no longer configured, or a bad key
            else:
                groups.setdefault(host, []).append((target, status_id))
        for wanted in groups.values():
            instance = self._instance(wanted[0][0])
            assert instance is not None
            if len(wanted) == 1:
                yield self._one(instance, *wanted[0])
            else:
                yield from self._many(instance, wanted)

    def _instance(self, target: Target) -> Instance | None:
        """The configured instance of a key, or the one its status URL names (adopted once)."""
        host = target.item_key.partition("/")[0]
        if host in self.instances:
            return self.instances[host]
        if not target.url or self.identify(target.url) != target.item_key:
            return None  # a key no status URL of ours explains: nothing to ask
        with self._adopting:
            if host not in self.adopted:
                base = f"{urlsplit(target.url).scheme}://{host}"
                client = self.http.client(
                    base,
                    limiter_key=host,
                    request_guard=self._guard(host),
                    public_only=not self.settings.allow_private,
                )
                self.adopted[host] = Instance(base, host, "", client)
            return self.adopted[host]

    def _guard(self, netloc: str) -> Callable[[httpx.Request], None]:
        """Requests to an adopted instance stay on its host and reach only public addresses."""

        def guard(request: httpx.Request) -> None:
            target = _netloc(request.url.host, request.url.port)
            if target != netloc:
                raise BadResponse(NAME, 0, f"{target} is not the instance {netloc}", "refused")
            problem = None if self.settings.allow_private else host_problem(host_of(request.url.host))
            if problem:
                raise BadResponse(NAME, 0, f"{problem}; set allow_private to reach it", "refused")

        return guard

    def _one(self, instance: Instance, target: Target, status_id: str) -> Sample | Gone:
        response = instance.client.get(f"/api/v1/statuses/{status_id}")
        if response.status_code == 404:  # "Status does not exist or is private"
            return Gone(target, "not_found")
        if response.status_code == 403:  # servers that say "forbidden" for a private status
            return Gone(target, "private")
        # 401: token refused or authorized-fetch mode
        status = self.decode.answer(response, dict, f"status {status_id}")
        return self._sample(target, status, response)

    def _many(self, instance: Instance, wanted: list[tuple[Target, str]]) -> Iterator[Sample | Gone]:
        response = instance.client.get("/api/v1/statuses", params=[("id[]", sid) for _, sid in wanted])
        if response.status_code == 404:
            raise BadResponse(
                NAME, 404, f"{instance.host} has no GET /api/v1/statuses", "needs Mastodon 4.3+"
            )
        statuses = self.decode.answer(response, list, "statuses")
        by_id = {s.get("id"): s for s in statuses if isinstance(s, dict)}
        for target, status_id in wanted:
            status = by_id.get(status_id)
            # Left out: deleted, private, or suspended; the batch answer does not say which.
            yield Gone(target, "not_found") if status is None else self._sample(target, status, response)

    def _sample(self, target: Target, status: Mapping[str, Any], response: httpx.Response) -> Sample:
        metrics = self.decode.counts(response, status, METRIC_FIELDS)
        # The link preview card names the article the status shares: that is how it joins it.
        card = status.get("card")
        link = card.get("url") if isinstance(card, dict) else None
        return Sample(
            NAME, target.item_key, self.clock.now(), metrics, links_to=link if isinstance(link, str) else None
        )

    def discover(self, cursors: Mapping[str, JsonValue]) -> Iterator[Discovery | Sample | Cursor]:
        """Each instance's trending links: an article discovery, shares summed over the history, rank."""
        for instance in self.instances.values():
            response = instance.client.get(
                "/api/v1/trends/links", params={"limit": self.settings.trend_links}
            )
            links = self.decode.answer(response, list, "trending links")
            now = self.clock.now()
            for rank, link in enumerate(links, start=1):
                link = self.decode.expect(response, link, dict, f"trending link {rank}")
                url = link.get("url")
                try:
                    canonical = canonicalize(url, self.settings.url_rules) if isinstance(url, str) else None
                except UnknownURL:
                    canonical = None
                if canonical is None:
                    continue
                key = f"{instance.host}/{LINK_PREFIX}{canonical}"
                title = link.get("title")
                author = link.get("author_name")
                yield Discovery(
                    platform=NAME,
                    item_key=key,
                    url=url,
                    title=title if isinstance(title, str) and title else None,
                    published_at=timestamp(link.get("published_at")),
                    links_to=canonical,
                    author=author if isinstance(author, str) and author else None,
                    kind="article",
                )
                shares = _history_uses(link, response)
                yield Sample(NAME, key, now, {"shares": shares}, {"rank": float(rank)})


def _status_id(path: str) -> str | None:
    for pattern in _STATUS_PATHS:
        match = pattern.match(path)
        if match:
            return match.group(1)
    return None


def _netloc(hostname: str | None, port: int | None) -> str:
    """host[:port] as item keys spell it: lower case, IPv6 in brackets, default ports dropped."""
    host = host_of(hostname)
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}" if host and port not in (None, 80, 443) else host


def _history_uses(link: Mapping[str, Any], response: httpx.Response) -> int:
    """The sum of a trend's daily `uses`, which Mastodon sends as decimal strings."""
    history = expect(NAME, response, link.get("history"), list, "trending link history")
    total = 0
    for day in history:
        raw = day.get("uses") if isinstance(day, dict) else None
        uses = count(raw)
        if uses is None:
            raise BadResponse(
                NAME, response.status_code, f"uses={str(raw)[:40]!r} is not a count", "wrong shape"
            )
        total += uses
    return total
