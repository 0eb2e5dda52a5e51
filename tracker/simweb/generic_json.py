"""A newsroom's own analytics API, the kind of source `generic_json` is configured for: one
item per request (`/generic_json/items/<id>.json`, JSON `null` for an unknown id) and a batch
endpoint (`/generic_json/stats?ids=a,b`, `{"data": {"items": [...]}}` leaving unknown ids
out), counts nested under `stats`. It has no posts of its own until a test adds some with
the admin API, and no MOUNTS: the collector stays off in the demo until a url_template is set.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from tracker.simweb.fake import Fake, json_response
from tracker.simweb.world import SimArticle, SimPost


class PlatformFake(Fake):
    NAME = "generic_json"
    MOUNTS: ClassVar[dict[str, str]] = {}

    @staticmethod
    def posts_per_article(rng: np.random.Generator, viral: bool) -> int:
        return 0  # only posts a test adds

    @staticmethod
    def post_key(article: SimArticle, j: int, serial: int, rng: np.random.Generator) -> str:
        return f"a{article.article_id}-{j}"

    def rules(self) -> list[Rule]:
        return [
            Rule("/generic_json/items/<item_id>.json", endpoint=self.guard(self.item)),
            Rule("/generic_json/stats", endpoint=self.guard(self.stats)),
        ]

    def _item(self, post: SimPost) -> dict[str, Any]:
        counts = self.world.engagement(post)
        return {"id": post.key, "stats": {"pageviews": counts["views"], "shares": counts["shares"]}}

    def item(self, request: Request, item_id: str) -> Response:
        post = self.world.post(self.NAME, item_id)
        if post is None or self.world.is_gone(post):
            return Response(b"null", 200, mimetype="application/json")
        return json_response(self._item(post))

    def stats(self, request: Request) -> Response:
        ids = [i for i in request.args.get("ids", "").split(",") if i]
        posts = [self.world.post(self.NAME, i) for i in ids]
        items = [self._item(p) for p in posts if p is not None and not self.world.is_gone(p)]
        return json_response({"data": {"items": items}})
