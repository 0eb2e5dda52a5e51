"""Reddit as its Data API answers: the app-only token endpoint (HTTP basic auth), `/by_id/` and
`/api/info.json` (by `url` and by `id`) on both the anonymous and the OAuth host, Listing
bodies, `x-ratelimit-*` headers counted per OAuth client (or per anonymous caller) and 429
past the budget. Each post was submitted under one spelling of its article URL (http or https,
with or without the trailing slash), because Reddit's URL lookup matches literally. The
website's share links (`/r/<sub>/s/<code>`) answer a 301 to the post's permalink with a
`share_id` and utm parameters, as the real site does; an unknown code is a 404.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from tracker.simweb.fake import Fake, WindowCounter, json_response
from tracker.simweb.world import SimArticle, SimPost, base36

WINDOW_S = 600.0  # Reddit counts in 10-minute windows (x-ratelimit-reset counts down from 600)
OAUTH_PER_WINDOW = 1000  # 100 a minute per OAuth client id
ANONYMOUS_PER_WINDOW = 100  # 10 a minute without OAuth
TOKEN_LIFETIME_S = 86400
SHARES_PER_POST = 3  # share codes differ for every share of one post; the fake knows three each
SUBREDDITS = ("news", "worldnews", "politics", "technology", "Music", "korea", "europe", "science")


def upvote_ratio(post: SimPost) -> float:
    """A stable ratio between 0.80 and 0.99 for one post."""
    return round(0.80 + 0.19 * min(1.0, max(0.0, (post.ratios["quotes"] - 0.005) / 0.025)), 2)


def share_code(post_key: str, n: int = 0) -> str:
    """The n-th share code of a post: ten characters of base 62, like the apps' codes."""
    digest = int.from_bytes(hashlib.sha256(f"{post_key}/{n}".encode()).digest()[:8], "big")
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    code = ""
    for _ in range(10):
        digest, digit = divmod(digest, 62)
        code += alphabet[digit]
    return code


def subreddit(post: SimPost) -> str:
    """The subreddit a post was submitted to (stable per post)."""
    try:
        return SUBREDDITS[int(post.key, 36) % len(SUBREDDITS)]
    except ValueError:
        return SUBREDDITS[0]


def submitted_url(post: SimPost) -> str | None:
    """The spelling of the article URL this post was submitted with."""
    url = post.article_url
    if url is None:
        return None
    try:
        spelling = int(post.key, 36) % 4
    except ValueError:
        spelling = 0
    if spelling & 1 and url.startswith("https://"):
        url = "http://" + url.removeprefix("https://")
    if spelling & 2 and url.endswith("/") and url.count("/") > 3:
        url = url.rstrip("/")
    return url


class PlatformFake(Fake):
    NAME = "reddit"
    MOUNTS: ClassVar[dict[str, str]] = {
        "www_url": "/reddit/www",
        "oauth_url": "/reddit/oauth",
        "auth_url": "/reddit/www",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.oauth_counter = WindowCounter(OAUTH_PER_WINDOW, WINDOW_S)
        self.anonymous_counter = WindowCounter(ANONYMOUS_PER_WINDOW, WINDOW_S)
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (client id, expires at, epoch s)
        self.issued: list[str] = []  # every token handed out (tests look for leaks)
        self.revoked_clients: set[str] = set()  # client ids the token endpoint refuses
        self._lock = threading.Lock()

    @staticmethod
    def post_key(article: SimArticle, j: int, serial: int, rng: np.random.Generator) -> str:
        return base36(article.article_id * 1000 + j * 97 + serial)

    def rules(self) -> list[Rule]:
        rules = [
            Rule("/reddit/www/api/v1/access_token", methods=["POST"], endpoint=self.guard(self.access_token))
        ]
        for host in ("www", "oauth"):
            rules += [
                Rule(
                    f"/reddit/{host}/by_id/<names>.json",
                    defaults={"host": host},
                    endpoint=self.guard(self.by_id),
                ),
                Rule(
                    f"/reddit/{host}/api/info.json", defaults={"host": host}, endpoint=self.guard(self.info)
                ),
            ]
        # Share links live on the website only (oauth.reddit.com has no /s/ pages).
        rules.append(
            Rule("/reddit/www/<any(r, u, user):kind>/<name>/s/<code>", endpoint=self.guard(self.share))
        )
        return rules

    # -- rate limits and auth ----------------------------------------------------------------

    def _headers(self, limit: int, remaining: int, reset_at: float) -> dict[str, str]:
        return {
            "x-ratelimit-remaining": f"{float(remaining):.1f}",
            "x-ratelimit-used": str(limit - remaining),
            "x-ratelimit-reset": str(max(0, math.ceil(reset_at - time.time()))),
        }

    def throttled(self) -> Response:
        # Reddit's 429: a small JSON body and the x-ratelimit-* headers at zero.
        _, reset_at = self.anonymous_counter.peek()
        headers = self._headers(ANONYMOUS_PER_WINDOW, 0, reset_at)
        return json_response({"message": "Too Many Requests", "error": 429}, 429, headers)

    def _metered(self, request: Request, host: str, answer: Callable[[], Response]) -> Response:
        """Check the bearer token on the OAuth host, count the request, add the headers."""
        if host == "oauth":
            client_id = self._client_of(request)
            if client_id is None:
                return json_response(
                    {"message": "Unauthorized", "error": 401},
                    401,
                    {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
                )
            counter, key = self.oauth_counter, client_id
        else:
            counter, key = self.anonymous_counter, f"{request.remote_addr} {request.user_agent.string}"
        remaining, reset_at, over = counter.hit(key)
        headers = self._headers(counter.limit, remaining, reset_at)
        if over:
            return json_response({"message": "Too Many Requests", "error": 429}, 429, headers)
        response = answer()
        response.headers.update(headers)
        return response

    def _client_of(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self._lock:
            client_id, expires = self.tokens.get(token.strip(), ("", 0.0))
        return client_id if client_id and expires > time.time() else None

    def access_token(self, request: Request) -> Response:
        auth = request.authorization
        if (
            auth is None
            or auth.type != "basic"
            or not auth.username
            or not auth.password
            or auth.username in self.revoked_clients
        ):
            return json_response({"message": "Unauthorized", "error": 401}, 401)
        if request.form.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"})
        token = "sim-" + secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = (auth.username, time.time() + TOKEN_LIFETIME_S)
            self.issued.append(token)
        return json_response(
            {"access_token": token, "token_type": "bearer", "expires_in": TOKEN_LIFETIME_S, "scope": "*"}
        )

    def revoke_tokens(self) -> None:
        """Forget every issued token, as if they had all expired early."""
        with self._lock:
            self.tokens.clear()

    # -- endpoints ---------------------------------------------------------------------------

    def by_id(self, request: Request, host: str, names: str) -> Response:
        def answer() -> Response:
            things = [t for t in (self._thing_by_fullname(n) for n in names.split(",")) if t is not None]
            if not things:  # /by_id/ skips unknown names but 404s when it finds none
                return json_response({"message": "Not Found", "error": 404}, 404)
            return json_response(_listing(things))

        return self._metered(request, host, answer)

    def info(self, request: Request, host: str) -> Response:
        def answer() -> Response:
            if "id" in request.args:
                found = (self._thing_by_fullname(n) for n in request.args["id"].split(","))
                return json_response(_listing([t for t in found if t is not None]))
            url = request.args.get("url", "")
            now = self.world.now()
            things = [
                self._thing(post)
                for post in self.world.posts[self.NAME].values()
                if post.created_at <= now and not post.private and submitted_url(post) == url
            ]
            return json_response(_listing(things))

        return self._metered(request, host, answer)

    def share(self, request: Request, kind: str, name: str, code: str) -> Response:
        """301 to the permalink of the post a share code names (whatever the path's name says)."""

        def answer() -> Response:
            post = self._post_by_share_code(code)
            if post is None:
                return json_response({"message": "Not Found", "error": 404}, 404)
            share_id = secrets.token_urlsafe(16)
            location = (
                f"https://www.reddit.com/r/{subreddit(post)}/comments/{post.key}/{_slug(post.title)}/"
                f"?share_id={share_id}&utm_content=1&utm_medium=android_app&utm_name=androidcss"
                "&utm_source=share&utm_term=1"
            )
            return Response(b"", 301, headers={"location": location, "cache-control": "private, max-age=0"})

        return self._metered(request, "www", answer)

    def _post_by_share_code(self, code: str) -> SimPost | None:
        for key in list(self.world.posts[self.NAME]):
            if any(share_code(key, n) == code for n in range(SHARES_PER_POST)):
                return self.world.post(self.NAME, key)
        return None

    def _thing_by_fullname(self, fullname: str) -> dict[str, Any] | None:
        kind, _, key = fullname.strip().partition("_")
        post = self.world.post(self.NAME, key) if kind == "t3" else None
        if post is None or post.private:  # private subreddits are left out of listings
            return None
        return self._thing(post)

    def _thing(self, post: SimPost) -> dict[str, Any]:
        sub = subreddit(post)
        created = float(int(post.created_at.timestamp()))
        url = submitted_url(post) or f"https://www.reddit.com/r/{sub}/comments/{post.key}/"
        gone = self.world.is_gone(post)
        counts = self.world.engagement(post)
        score = 1 if gone else max(1, counts["interactions"])
        return {
            "id": post.key,
            "name": f"t3_{post.key}",
            "title": post.title,
            "author": "[deleted]" if gone else post.author,
            "subreddit": sub,
            "subreddit_name_prefixed": f"r/{sub}",
            "subreddit_type": "public",
            "selftext": "",
            "score": score,
            "ups": score,
            "downs": 0,
            "hide_score": False,
            "upvote_ratio": upvote_ratio(post),
            "num_comments": 0 if gone else counts["comments"],
            "num_crossposts": 0,
            "created": created,
            "created_utc": created,
            "url": url,
            "domain": url.split("/")[2] if "://" in url else "self." + sub,
            "permalink": f"/r/{sub}/comments/{post.key}/{_slug(post.title)}/",
            "is_self": post.article_url is None,
            "removed_by_category": "deleted" if gone else None,
            "removed": False,
            "over_18": False,
            "view_count": None,
        }


def _listing(things: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "Listing",
        "data": {
            "after": None,
            "dist": len(things),
            "modhash": "",
            "geo_filter": "",
            "children": [{"kind": "t3", "data": thing} for thing in things],
            "before": None,
        },
    }


def _slug(title: str) -> str:
    words = "".join(c.lower() if c.isalnum() else " " for c in title).split()
    return "_".join(words)[:50] or "post"
