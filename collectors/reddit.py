"""Reddit: score, comment count and upvote ratio of submissions by id, and the submissions that
link an article URL.

API facts (docs/platforms/reddit.md cites them): `/by_id/<fullnames>` takes up to 100 `t3_`
fullnames, leaves out names it cannot find and answers 404 when it finds none;
`/api/info.json?url=` matches the submitted URL *literally*, so the http/https and
trailing-slash spellings of an article are separate lookups. With REDDIT_CLIENT_ID and
REDDIT_CLIENT_SECRET set, requests go to oauth.reddit.com with an app-only token
(100 requests a minute); without them to www.reddit.com anonymously (10 a minute).

Share links from the apps (`/r/<sub>/s/<code>`) carry no post id: only Reddit knows where a
code leads. `resolve` asks www.reddit.com for the link without following it and reads the id
from the `Location` of its 301; a redirect anywhere but a Reddit post is refused.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from tracker import __version__
from tracker.clock import Clock
from tracker.collector import Credential, Discovery, Gone, GoneReason, Limits, Sample, Target
from tracker.collector_base import CollectorBase
from tracker.decode import Decoder, count, expect
from tracker.errors import AuthFailed, BadResponse, ConfigError, UnknownURL
from tracker.netguard import host_of, hosts
from tracker.secrets import Redactor, Secret
from tracker.urls import NO_RULES, UrlRules, canonicalize

NAME = "reddit"
ROLES = ("samples", "searches_shares")
NEEDS = ("url_rules",)  # the per-site article-key rules (Config.url_rules) arrive as Settings.url_rules
COLOR = "#ff4500"
MAX_BATCH = 100  # /by_id/ and /api/info take at most 100 fullnames
# Reddit Data API wiki: 100 queries a minute per OAuth client id, 10 a minute without OAuth.
OAUTH_LIMITS = Limits(
    requests=100, per_seconds=60, max_batch=MAX_BATCH, min_resample_s=60, header_style="reddit"
)
ANONYMOUS_LIMITS = Limits(
    requests=10, per_seconds=60, max_batch=MAX_BATCH, min_resample_s=60, header_style="reddit"
)
LIMITS = ANONYMOUS_LIMITS  # the budget with no credentials; limits_for() picks per credentials
CREDENTIALS: tuple[Credential, ...] = (
    Credential("client_id", "REDDIT_CLIENT_ID", required=False, help="app id from reddit.com/prefs/apps"),
    Credential("client_secret", "REDDIT_CLIENT_SECRET", required=False, help="that app's secret"),
)
COUNTS = {"score": "score", "num_comments": "comments"}
COMMENTS_ONLY = {"num_comments": "comments"}
TOKEN_MARGIN_S = 60.0  # fetch a new token this long before the old one expires
# removed_by_category values that mean the author deleted the post; any other value is a removal.
_DELETED_BY_AUTHOR = frozenset({"deleted", "author"})
# URLs on these hosts belong to reddit: one that `identify` does not recognise is an error, not an article.
HOSTS = (
    "reddit.com",
    "www.reddit.com",
    "old.reddit.com",
    "new.reddit.com",
    "np.reddit.com",
    "m.reddit.com",
    "redd.it",  # short links: /<id> only
    "sh.reddit.com",
    "i.reddit.com",
    "amp.reddit.com",
)
# A share link's path: /r/<subreddit>/s/<code> (or /u/<user>/s/<code> for a profile post). The
# code is opaque and differs for every share of one post; its item key until resolved is
# "<r|u>/<name>/s/<code>", which no base-36 post id can equal.
_SHARE_PATH = re.compile(r"^/(r|u|user)/([A-Za-z0-9_-]{1,32})/s/([A-Za-z0-9]{1,32})/?$")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_SHARE_HOPS = 3  # a share link may redirect to another share link before the post


@dataclass(frozen=True)
class Settings:
    url_rules: UrlRules = NO_RULES  # NEEDS: how [[sites]] key their articles
    www_url: str = "https://www.reddit.com"  # anonymous API host
    oauth_url: str = "https://oauth.reddit.com"  # API host for OAuth bearer tokens
    auth_url: str = "https://www.reddit.com"  # where /api/v1/access_token lives
    # Reddit's API rules ask for "<platform>:<app ID>:<version> (by /u/<username>)"; put your username in.
    user_agent: str = f"python:virality-tracker:v{__version__} (newsroom engagement research)"


def limits_for(credentials: Mapping[str, Any], settings: Settings) -> Limits:
    """OAuth clients get ten times the anonymous budget."""
    return OAUTH_LIMITS if {"client_id", "client_secret"} <= set(credentials) else ANONYMOUS_LIMITS


class AppOnlyAuth(httpx.Auth):
    """Reddit application-only OAuth (grant_type=client_credentials).

    The token is fetched on first use, again shortly before it expires and once more when the
    API answers 401. Its value is added to the platform's redactor as soon as it arrives, so it
    cannot reach a log line, an error message or a stored record.
    """

    def __init__(
        self,
        token_client: httpx.Client,
        client_id: Secret,
        client_secret: Secret,
        clock: Clock,
        redact: Redactor,
    ) -> None:
        self._client = token_client
        self._id = client_id
        self._secret = client_secret
        self._clock = clock
        self._redact = redact
        self._token: str | None = None
        self._expires_at = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "AppOnlyAuth(***)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._current()
        request.headers["Authorization"] = f"bearer {token}"
        response = yield request
        if response.status_code == 401:  # revoked or expired early: one fresh token, one retry
            request.headers["Authorization"] = f"bearer {self._current(stale=token)}"
            yield request

    def _current(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token is None or self._token == stale or self._clock.now() >= self._expires_at:
                self._token, self._expires_at = self._fetch()
            return self._token

    def _fetch(self) -> tuple[str, datetime]:
        response = self._client.post(
            "/api/v1/access_token",
            data={"grant_type": "client_credentials"},
            auth=(self._id.reveal(), self._secret.reveal()),
        )
        if response.status_code in (401, 403):
            raise AuthFailed(
                NAME, f"REDDIT_CLIENT_ID/REDDIT_CLIENT_SECRET refused (HTTP {response.status_code})"
            )
        answer = Decoder(NAME, self._redact).answer(response, dict, "token answer")
        if "error" in answer:  # Reddit answers some refusals with 200 {"error": "..."}
            raise AuthFailed(NAME, f"token request refused: {str(answer['error'])[:60]}")
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise BadResponse(NAME, response.status_code, "no access_token in token answer", "wrong shape")
        self._redact.add([Secret(token, "reddit access token")])
        lifetime = count(answer.get("expires_in"))
        lifetime_s = float(lifetime) if lifetime is not None else 3600.0
        return token, self._clock.now() + timedelta(seconds=max(0.0, lifetime_s - TOKEN_MARGIN_S))


class Collector(CollectorBase[Settings]):
    def connect(self) -> None:
        http, settings, clock = self.http, self.settings, self.clock
        headers = {"User-Agent": settings.user_agent}
        guard = _reddit_only(hosts([settings.www_url, settings.oauth_url, settings.auth_url]) | set(HOSTS))
        client_id, client_secret = self.credentials.get("client_id"), self.credentials.get("client_secret")
        if (client_id is None) != (client_secret is None):
            raise ConfigError(
                "platforms.reddit: set both REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET, or neither"
            )
        if client_id is not None and client_secret is not None:
            # The token endpoint is budgeted apart from the data API it unlocks.
            token_client = http.client(settings.auth_url, limiter_key="token", headers=headers)
            auth = AppOnlyAuth(token_client, client_id, client_secret, clock, http.redact)
            self.api = http.client(settings.oauth_url, headers=headers, auth=auth, request_guard=guard)
            # Share links redirect on the website, which OAuth clients reach without a token.
            self.web = http.client(settings.www_url, limiter_key="www", headers=headers, request_guard=guard)
        else:
            self.api = http.client(settings.www_url, headers=headers, request_guard=guard)
            self.web = self.api

    def identify(self, url: str) -> str | None:
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return None
        host = (parts.hostname or "").lower()
        segments = [s for s in parts.path.split("/") if s]
        if host == "redd.it" and len(segments) == 1:
            return _base36(segments[0])
        if host not in HOSTS or host == "redd.it":
            return None
        share = _SHARE_PATH.match(parts.path)
        if share:
            kind, name, code = share.groups()
            return f"{'r' if kind == 'r' else 'u'}/{name}/s/{code}"
        # /r/<sub>/comments/<id>/..., /user/<name>/comments/<id>/..., /comments/<id>/...
        for i, segment in enumerate(segments[:-1]):
            if segment == "comments" and (i == 0 or (i == 2 and segments[0] in ("r", "u", "user"))):
                return _base36(segments[i + 1])
        return None

    def unresolved(self, item_key: str) -> bool:
        """A share link's key, which `resolve` must turn into the post's id before sampling."""
        return "/s/" in item_key

    def resolve(self, item_key: str) -> str:
        """The base-36 id a share link leads to, read from Reddit's redirect (not followed).

        UnknownURL when Reddit does not know the code or it leads anywhere but a post;
        BadResponse or Unreachable when Reddit cannot be asked right now."""
        if not self.unresolved(item_key):
            return item_key
        path = "/" + item_key
        for _ in range(MAX_SHARE_HOPS):
            response = self.web.get(path, follow_redirects=False)
            if response.status_code == 404:
                raise UnknownURL(f"reddit: the share link /{item_key} is unknown to Reddit (HTTP 404)")
            if response.status_code not in _REDIRECTS:
                self.decode.check(response, self.decode.snippet(response.text))
                raise UnknownURL(
                    f"reddit: the share link /{item_key} did not redirect to a post "
                    f"(HTTP {response.status_code})"
                )
            target = urljoin(str(response.url), response.headers.get("location", ""))
            host = host_of(urlsplit(target).hostname)
            if host not in HOSTS:
                raise UnknownURL(
                    f"reddit: the share link /{item_key} redirects off Reddit (to {host or 'nowhere'})"
                )
            key = self.identify(target)
            if key is None:
                raise UnknownURL(
                    f"reddit: the share link /{item_key} leads to {urlsplit(target).path[:80]}, not a post"
                )
            if not self.unresolved(key):
                return key
            path = "/" + key  # another share link: ask again, on our own base URL
        raise UnknownURL(f"reddit: the share link /{item_key} redirects more than {MAX_SHARE_HOPS} times")

    def sample(self, targets: Sequence[Target]) -> Iterator[Sample | Gone]:
        """One /by_id/ request for the batch (the runner hands over at most MAX_BATCH)."""
        if not targets:
            return
        names = ",".join(f"t3_{t.item_key}" for t in targets)
        response = self.api.get(f"/by_id/{names}.json", params={"raw_json": 1})
        body = self.decode.json(response)
        if response.status_code == 404 and isinstance(body, dict) and body.get("error") == 404:
            # /by_id/ answers Reddit's own 404 when it finds none of the names.
            for target in targets:
                yield Gone(target, "not_found")
            return
        self.decode.check(response, body)
        things = {thing["id"]: thing for thing in _links(response, body)}
        now = self.clock.now()
        for target in targets:
            thing = things.get(target.item_key)
            if thing is None:  # left out: never existed, or in a private/banned subreddit
                yield Gone(target, "not_found")
                continue
            reason = _gone_reason(thing)
            if reason is not None:
                yield Gone(target, reason)
                continue
            # While a subreddit hides new scores (hide_score), `score` is a placeholder, not a count.
            mapping = COMMENTS_ONLY if thing.get("hide_score") else COUNTS
            metrics = self.decode.counts(response, thing, mapping)
            link = (
                thing.get("url") if not thing.get("is_self") and isinstance(thing.get("url"), str) else None
            )
            yield Sample(NAME, target.item_key, now, metrics, _gauges(response, thing), links_to=link)

    def find_shares(self, article: Target) -> Iterator[Discovery]:
        """Submissions of the article, one /api/info lookup per spelling of its URL."""
        assert article.url is not None
        wanted = canonicalize(article.url, self.settings.url_rules)
        seen: set[str] = set()
        for variant in url_variants(wanted):
            response = self.api.get("/api/info.json", params={"url": variant, "raw_json": 1})
            body = self.decode.json(response)
            self.decode.check(response, body)
            for thing in _links(response, body):
                if thing["id"] in seen or _gone_reason(thing) is not None:
                    continue
                seen.add(thing["id"])
                yield _discovery(thing, wanted)


def url_variants(url: str) -> list[str]:
    """The spellings Reddit treats as different URLs: https/http, with and without a trailing slash."""
    parts = urlsplit(url)
    paths = [parts.path]
    if parts.path.endswith("/") and parts.path != "/":
        paths.append(parts.path.rstrip("/"))
    elif not parts.path.endswith("/"):
        paths.append(parts.path + "/")
    out: list[str] = []
    for scheme in ("https", "http"):
        for path in paths:
            variant = urlunsplit((scheme, parts.netloc, path, parts.query, ""))
            if variant not in out:
                out.append(variant)
    return out


def _links(response: httpx.Response, body: Any) -> list[dict[str, Any]]:
    """The t3 (link) things of a Listing; anything else in it is skipped."""
    listing = expect(NAME, response, body, dict, "listing")
    if listing.get("kind") != "Listing":
        raise BadResponse(
            NAME, response.status_code, f"kind={str(listing.get('kind'))[:20]!r}", "not a Listing"
        )
    data = expect(NAME, response, listing.get("data"), dict, "listing data")
    children = expect(NAME, response, data.get("children"), list, "listing children")
    links = []
    for child in children:
        child = expect(NAME, response, child, dict, "listing child")
        if child.get("kind") != "t3":
            continue
        thing = expect(NAME, response, child.get("data"), dict, "t3 data")
        expect(NAME, response, thing.get("id"), str, "t3 id")
        links.append(thing)
    return links


def _gone_reason(thing: Mapping[str, Any]) -> GoneReason | None:
    category = thing.get("removed_by_category")
    if category:
        return "deleted" if category in _DELETED_BY_AUTHOR else "removed"
    selftext = thing.get("selftext")
    if thing.get("author") == "[deleted]" and selftext in ("[deleted]", "[removed]"):
        return "deleted" if selftext == "[deleted]" else "removed"
    return None


def _gauges(response: httpx.Response, thing: Mapping[str, Any]) -> dict[str, float]:
    ratio = thing.get("upvote_ratio")
    if ratio is None:
        return {}
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0.0 <= ratio <= 1.0:
        raise BadResponse(NAME, response.status_code, f"upvote_ratio={str(ratio)[:20]!r}", "wrong shape")
    return {"upvote_ratio": float(ratio)}


def _discovery(thing: Mapping[str, Any], links_to: str) -> Discovery:
    permalink = thing.get("permalink")
    created = thing.get("created_utc")
    title, author = thing.get("title"), thing.get("author")
    return Discovery(
        platform=NAME,
        item_key=thing["id"],
        url=f"https://www.reddit.com{permalink}" if isinstance(permalink, str) else None,
        title=title if isinstance(title, str) else None,
        published_at=datetime.fromtimestamp(created, UTC) if isinstance(created, int | float) else None,
        links_to=links_to,
        author=author if isinstance(author, str) and author != "[deleted]" else None,
    )


def _reddit_only(allowed: set[str]) -> Callable[[httpx.Request], None]:
    """A request guard: every request (each redirect hop included) stays on Reddit's hosts."""

    def guard(request: httpx.Request) -> None:
        host = host_of(request.url.host)
        if host not in allowed:
            raise BadResponse(NAME, 0, f"{host} is not a Reddit host ({request.url})", "refused")

    return guard


def _base36(text: str) -> str | None:
    key = text.lower()
    return key if key.isalnum() and key.isascii() and len(key) <= 13 else None
