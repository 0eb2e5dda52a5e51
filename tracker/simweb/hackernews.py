"""Hacker News as its two APIs answer: Firebase items (`null` for unknown ids, `deleted` /
`dead` flags, topstories.json) and Algolia search, which matches URL tokens and so also
returns stories that link *other* URLs sharing those tokens."""

from __future__ import annotations

import math
import re
from typing import ClassVar

import numpy as np
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from tracker.simweb.fake import Fake, json_response
from tracker.simweb.world import SimArticle, SimPost


class PlatformFake(Fake):
    NAME = "hackernews"
    MOUNTS: ClassVar[dict[str, str]] = {
        "algolia_url": "/hackernews/algolia",
        "firebase_url": "/hackernews/firebase",
    }

    @staticmethod
    def post_key(article: SimArticle, j: int, serial: int, rng: np.random.Generator) -> str:
        return str(40_000_000 + article.article_id * 10 + j)

    def rules(self) -> list[Rule]:
        return [
            Rule("/hackernews/firebase/v0/item/<item_id>.json", endpoint=self.guard(self.item)),
            Rule("/hackernews/firebase/v0/topstories.json", endpoint=self.guard(self.topstories)),
            Rule("/hackernews/algolia/api/v1/search", endpoint=self.guard(self.search)),
        ]

    def throttled(self) -> Response:
        # Neither HN API documents rate-limit headers; Algolia answers 429 with a JSON message.
        return json_response({"message": "Too many requests", "status": 429}, 429)

    def item(self, request: Request, item_id: str) -> Response:
        post = self.world.post(self.NAME, item_id)
        if post is None:
            return Response(b"null", 200, mimetype="application/json")
        created = int(post.created_at.timestamp())
        if self.world.is_gone(post):
            return json_response({"id": int(item_id), "deleted": True, "type": "story", "time": created})
        counts = self.world.engagement(post)
        return json_response(
            {
                "by": post.author,
                "descendants": counts["comments"],
                "id": int(item_id),
                "kids": [],
                "score": max(1, counts["interactions"]),
                "time": created,
                "title": post.title,
                "type": "story",
                "url": post.article_url,
            }
        )

    def topstories(self, request: Request) -> Response:
        now = self.world.now()
        live = [
            p
            for p in self.world.posts[self.NAME].values()
            if p.created_at <= now and not self.world.is_gone(p)
        ]

        # Rank like HN's gravity: points over (age in hours + 2) ** 1.8.
        def gravity(post: SimPost) -> float:
            age_h = (now - post.created_at).total_seconds() / 3600
            points = float(self.world.engagement(post)["interactions"])
            return points / math.pow(age_h + 2.0, 1.8)

        ranked = sorted(live, key=gravity, reverse=True)[:500]
        return json_response([int(p.key) for p in ranked])

    def search(self, request: Request) -> Response:
        query = request.args.get("query", "")
        tokens = set(filter(None, re.split(r"[^a-z0-9]+", query.lower())))
        hits = []
        for post in self.world.posts[self.NAME].values():
            if post.article_url is None or post.created_at > self.world.now() or self.world.is_gone(post):
                continue
            post_tokens = set(filter(None, re.split(r"[^a-z0-9]+", post.article_url.lower())))
            # Algolia matches tokens: every query token present is a hit, exact URL or not.
            if tokens and tokens <= post_tokens | {"https", "http", "www"}:
                hits.append(self._hit(post))
        per_page = int(request.args.get("hitsPerPage", 20))
        return json_response(
            {
                "hits": hits[:per_page],
                "hitsPerPage": per_page,
                "nbHits": len(hits),
                "nbPages": 1,
                "page": 0,
                "query": query,
                "params": request.query_string.decode(),
                "processingTimeMS": 1,
            }
        )

    def _hit(self, post: SimPost) -> dict[str, object]:
        counts = self.world.engagement(post)
        created = int(post.created_at.timestamp())
        return {
            "_tags": ["story", f"author_{post.author}", f"story_{post.key}"],
            "author": post.author,
            "created_at": post.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "created_at_i": created,
            "num_comments": counts["comments"],
            "objectID": post.key,
            "points": max(1, counts["interactions"]),
            "story_id": int(post.key),
            "title": post.title,
            "url": post.article_url,
        }
