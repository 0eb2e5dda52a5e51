"""One Mastodon instance (4.3+) as it answers anonymous clients: statuses by id (404 "Record
not found" for deleted and private ones), the id[] batch lookup (at most 20, gone ones left
out), trending links with string history counts, and X-RateLimit-* headers with an ISO-8601
reset.

The instance lives under the prefix /mastodon: `MOUNTS = {"instances": ("/mastodon",)}`, so
the simulator overrides the collector's `instances` with `(sim.url + "/mastodon",)`. The same
statuses are also served at the root of the simulator (`/api/v1/statuses…`, `/@user/<id>`),
as a second instance that is in no config: a status URL there is one on an instance the
tracker was never told about, which it must adopt from the URL.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

import numpy as np
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from tracker.simweb.fake import Fake, WindowCounter, json_response
from tracker.simweb.world import SimArticle, SimPost

LIMIT, WINDOW_S = 300, 300  # 300 requests per 5 minutes per IP
MAX_IDS = 20  # DEFAULT_STATUSES_LIMIT
TRENDS_DEFAULT, TRENDS_MAX = 10, 20
PREFIX = "/mastodon"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class PlatformFake(Fake):
    NAME = "mastodon"
    MOUNTS: ClassVar[dict[str, tuple[str, ...]]] = {"instances": (PREFIX,)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counter = WindowCounter(LIMIT, WINDOW_S)

    @staticmethod
    def post_key(article: SimArticle, j: int, serial: int, rng: np.random.Generator) -> str:
        return str(114_000_000_000_000_000 + article.article_id * 1000 + j)

    def rules(self) -> list[Rule]:
        rules = [Rule(f"{PREFIX}/api/v1/trends/links", endpoint=self.guard(self.trending_links))]
        for prefix in (PREFIX, ""):  # the configured instance, and one no config names
            rules += [
                Rule(f"{prefix}/api/v1/statuses/<status_id>", endpoint=self.guard(self.status)),
                Rule(f"{prefix}/api/v1/statuses", endpoint=self.guard(self.statuses)),
            ]
        return rules

    # -- rate limits ----------------------------------------------------------------------------

    def _headers(self, remaining: int, reset: float) -> dict[str, str]:
        moment = datetime.fromtimestamp(reset, UTC)
        return {
            "X-RateLimit-Limit": str(LIMIT),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),  # ISO-8601, microseconds
            "Cache-Control": "private, no-store",
        }

    def throttled(self) -> Response:
        _, reset = self.counter.peek()
        return json_response({"error": "Too many requests"}, 429, self._headers(0, reset))

    def _count(self) -> dict[str, str] | Response:
        remaining, reset, over = self.counter.hit()
        return self.throttled() if over else self._headers(remaining, reset)

    # -- endpoints ------------------------------------------------------------------------------

    def status(self, request: Request, status_id: str) -> Response:
        headers = self._count()
        if isinstance(headers, Response):
            return headers
        post = self._visible(status_id)
        if post is None:
            return json_response({"error": "Record not found"}, 404, headers)
        return json_response(self._status(post, request), headers=headers)

    def statuses(self, request: Request) -> Response:
        headers = self._count()
        if isinstance(headers, Response):
            return headers
        ids = list(dict.fromkeys(request.args.getlist("id[]")))
        if len(ids) > MAX_IDS:
            return json_response({"error": "Mastodon::ValidationError"}, 422, headers)
        found = [self._visible(i) for i in ids]
        return json_response([self._status(p, request) for p in found if p is not None], headers=headers)

    def trending_links(self, request: Request) -> Response:
        headers = self._count()
        if isinstance(headers, Response):
            return headers
        try:
            limit = min(abs(int(request.args.get("limit", TRENDS_DEFAULT))), TRENDS_MAX)
            offset = int(request.args.get("offset", 0))
        except ValueError:
            limit, offset = TRENDS_DEFAULT, 0
        ranked = self._trends()
        page = ranked[offset : offset + limit]
        if offset + limit < len(ranked):
            base = request.host_url.rstrip("/") + PREFIX
            headers["Link"] = f'<{base}/api/v1/trends/links?offset={offset + limit}>; rel="next"'
        return json_response(page, headers=headers)

    # -- shapes ---------------------------------------------------------------------------------

    def _visible(self, status_id: str) -> SimPost | None:
        post = self.world.post(self.NAME, status_id)
        return None if post is None or self.world.is_gone(post) else post

    def _status(self, post: SimPost, request: Request) -> dict[str, Any]:
        base = request.host_url.rstrip("/") + (PREFIX if request.path.startswith(PREFIX + "/") else "")
        counts = self.world.engagement(post)
        link = post.article_url
        content = f"<p>{post.title}"
        if link:
            content += f' <a href="{link}" rel="nofollow noopener" target="_blank">{link}</a>'
        return {
            "id": post.key,
            "created_at": _stamp(post.created_at),
            "visibility": "public",
            "language": "en",
            "uri": f"{base}/users/{post.author}/statuses/{post.key}",
            "url": f"{base}/@{post.author}/{post.key}",
            "replies_count": counts["replies"],
            "reblogs_count": counts["reposts"],
            "favourites_count": counts["interactions"],
            "quotes_count": counts["quotes"],
            "content": content + "</p>",
            "reblog": None,
            "account": {
                "id": str(zlib.crc32(post.author.encode())),
                "username": post.author,
                "acct": post.author,
                "url": f"{base}/@{post.author}",
            },
            "media_attachments": [],
            "card": {"url": link, "title": post.title, "type": "link"} if link else None,
        }

    def _trends(self) -> list[dict[str, Any]]:
        """Articles ranked by the week's uses on this instance: one use per post plus its boosts."""
        now = self.world.now()
        today = datetime(now.year, now.month, now.day, tzinfo=UTC)
        days = [today - timedelta(days=d) for d in range(7)]
        uses: dict[str, list[int]] = {}
        accounts: dict[str, list[int]] = {}
        for post in self.world.posts[self.NAME].values():
            if not post.article_url or post.created_at > now or self.world.is_gone(post):
                continue
            age = (today - post.created_at.replace(hour=0, minute=0, second=0, microsecond=0)).days
            if not 0 <= age < 7:
                continue
            uses.setdefault(post.article_url, [0] * 7)[age] += 1 + self.world.engagement(post)["reposts"]
            accounts.setdefault(post.article_url, [0] * 7)[age] += 1
        ranked = sorted(uses, key=lambda url: sum(uses[url]), reverse=True)
        out = []
        for url in ranked:
            article = self.world.article_by_url(url)
            # Preview cards keep the URL as shared, tracking parameters and all.
            shared = url + "?utm_source=mastodon" if article and article.article_id % 2 else url
            out.append(
                {
                    "url": shared,
                    "title": article.title if article else url,
                    "description": "",
                    "type": "link",
                    "author_name": article.author if article else "",
                    "provider_name": "The Example Times",
                    "published_at": _stamp(article.published_at) if article else None,
                    "image": f"https://files.example.social/cards/{quote(url, safe='')[-16:]}.jpg",
                    "history": [
                        {
                            "day": str(int(day.timestamp())),
                            "accounts": str(accounts[url][i]),
                            "uses": str(uses[url][i]),
                        }
                        for i, day in enumerate(days)
                    ],
                }
            )
        return out
