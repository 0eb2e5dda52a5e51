"""The Facebook Graph API's URL node as it answers: `GET /<version>/?ids=<url>,…&fields=engagement`
(or `?id=` for one URL) with an app token in `access_token`, an object keyed by each URL,
engagement for any URL (zeros for one nobody shared), at most 50 ids, OAuthException error
bodies, and the app's usage as percentages in `x-app-usage`. Throttling is error code 4 in a
403 body, never a 429.
"""

from __future__ import annotations

import json
import zlib
from typing import Any, ClassVar

import numpy as np
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from tracker.simweb.fake import Fake, WindowCounter, json_response
from tracker.simweb.world import SimArticle

# The simulated app has 50 daily users: 200 calls x 50 users = 10,000 calls per rolling hour.
CALLS_PER_HOUR = 200 * 50
MAX_IDS = 50
API_VERSION = "v21.0"


def graph_error(message: str, code: int, **extra: Any) -> dict[str, Any]:
    """The Graph API's error body."""
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            **extra,
            "fbtrace_id": "AsimTr4ceId0",
        }
    }


class PlatformFake(Fake):
    NAME = "facebook"
    MOUNTS: ClassVar[dict[str, str]] = {"graph_url": "/facebook/graph"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counter = WindowCounter(CALLS_PER_HOUR, 3600.0)
        self.revoked: set[str] = set()  # app tokens answered with error 190

    @staticmethod
    def posts_per_article(rng: np.random.Generator, viral: bool) -> int:
        return 1  # engagement is per URL: the article itself is the one "post"

    @staticmethod
    def post_key(article: SimArticle, j: int, serial: int, rng: np.random.Generator) -> str:
        return article.url

    def rules(self) -> list[Rule]:
        return [Rule("/facebook/graph/<version>/", endpoint=self.guard(self.root))]

    def _headers(self, remaining: int) -> dict[str, str]:
        pct = min(100, round(100 * (CALLS_PER_HOUR - remaining) / CALLS_PER_HOUR))
        usage = {"call_count": pct, "total_cputime": max(0, pct // 2), "total_time": max(0, pct // 2)}
        return {
            "x-app-usage": json.dumps(usage, separators=(",", ":")),
            "facebook-api-version": API_VERSION,
            "x-fb-trace-id": "AsimTr4ceId0",
        }

    def throttled(self) -> Response:
        body = graph_error("(#4) Application request limit reached", 4, is_transient=True)
        return json_response(body, 403, self._headers(0))

    def root(self, request: Request, version: str) -> Response:
        token = request.args.get("access_token", "")
        if not token:
            return json_response(
                graph_error("An access token is required to request this resource.", 104), 400
            )
        if "|" not in token or token in self.revoked:
            message = "Invalid OAuth access token - Cannot parse access token"
            return json_response(graph_error(message, 190), 400)
        remaining, _, over = self.counter.hit(token)
        headers = self._headers(remaining)
        if over:
            return json_response(
                graph_error("(#4) Application request limit reached", 4, is_transient=True), 403, headers
            )
        fields = {f for f in request.args.get("fields", "").split(",") if f}
        if "ids" in request.args:
            ids = [i for i in request.args["ids"].split(",") if i]
            if len(ids) > MAX_IDS:
                message = f"(#100) Too many IDs. Maximum: {MAX_IDS}. Provided: {len(ids)}."
                return json_response(graph_error(message, 100), 400, headers)
            return json_response({url: self._node(url, fields) for url in ids}, 200, headers)
        url = request.args.get("id")
        if not url:
            return json_response(graph_error("(#100) Missing ids or id parameter", 100), 400, headers)
        return json_response(self._node(url, fields), 200, headers)

    def _node(self, url: str, fields: set[str]) -> dict[str, Any]:
        node: dict[str, Any] = {}
        post = self.world.post(self.NAME, url)
        if "engagement" in fields:
            counts = self.world.engagement(post) if post is not None else {}
            node["engagement"] = {
                "reaction_count": counts.get("interactions", 0),
                "comment_count": counts.get("comments", 0),
                "share_count": counts.get("shares", 0),
                "comment_plugin_count": 0,
            }
        if "og_object" in fields and post is not None:
            node["og_object"] = {
                "id": str(zlib.crc32(url.encode()) * 7919),
                "title": post.title,
                "type": "article",
                "updated_time": post.created_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            }
        node["id"] = url
        return node
