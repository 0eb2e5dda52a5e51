"""X API v2 post lookup as it answers: `GET /2/tweets?ids=` with a bearer token, `data` for the
posts it can show and an `errors` array (still HTTP 200) for deleted or protected ones,
`x-rate-limit-*` headers counted per app token, RFC 7807-style 400/401/429 bodies.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import numpy as np
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from tracker.simweb.fake import Fake, WindowCounter, json_response
from tracker.simweb.world import SimArticle, SimPost

WINDOW_S = 900.0  # 15-minute windows
PER_WINDOW = 3500  # GET /2/tweets, per app
MAX_IDS = 100
PROBLEMS = "https://api.twitter.com/2/problems"


class PlatformFake(Fake):
    NAME = "x"
    MOUNTS: ClassVar[dict[str, str]] = {"api_url": "/x/api"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counter = WindowCounter(PER_WINDOW, WINDOW_S)
        self.revoked: set[str] = set()  # bearer tokens answered with 401
        self._lock = threading.Lock()

    @staticmethod
    def post_key(article: SimArticle, j: int, serial: int, rng: np.random.Generator) -> str:
        return str(1_900_000_000_000_000_000 + article.article_id * 1000 + j)

    def rules(self) -> list[Rule]:
        return [Rule("/x/api/2/tweets", endpoint=self.guard(self.tweets))]

    def _headers(self, remaining: int, reset_at: float) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(PER_WINDOW),
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(int(reset_at)),
            "x-response-time": "42",
            "api-version": "2.118",
        }

    def throttled(self) -> Response:
        _, reset_at = self.counter.peek()
        body = {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        }
        return json_response(body, 429, self._headers(0, reset_at))

    def tweets(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        with self._lock:
            refused = scheme.lower() != "bearer" or not token or token in self.revoked
        if refused:
            body = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
            return json_response(body, 401)
        remaining, reset_at, over = self.counter.hit(token)
        headers = self._headers(remaining, reset_at)
        if over:
            body = {
                "title": "Too Many Requests",
                "detail": "Too Many Requests",
                "type": "about:blank",
                "status": 429,
            }
            return json_response(body, 429, headers)
        ids = [i for i in request.args.get("ids", "").split(",") if i]
        problem = _invalid_ids(ids)
        if problem is not None:
            return json_response(problem, 400, headers)
        fields = set(request.args.get("tweet.fields", "").split(","))
        data, errors = [], []
        for post_id in ids:
            post = self.world.post(self.NAME, post_id)
            if post is None or (self.world.is_gone(post) and not post.private):
                errors.append(
                    _error(
                        post_id,
                        "Not Found Error",
                        "resource-not-found",
                        f"Could not find tweet with ids: [{post_id}].",
                    )
                )
            elif post.private:
                errors.append(
                    _error(
                        post_id,
                        "Authorization Error",
                        "not-authorized-for-resource",
                        f"Sorry, you are not authorized to see the Tweet with ids: [{post_id}].",
                    )
                )
            else:
                data.append(self._post(post, fields))
        answer: dict[str, Any] = {}
        if data:
            answer["data"] = data
        if errors:
            answer["errors"] = errors
        return json_response(answer, 200, headers)

    def _post(self, post: SimPost, fields: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": post.key,
            "text": f"{post.title} {post.article_url or ''}".strip(),
            "edit_history_tweet_ids": [post.key],
        }
        if "created_at" in fields:
            out["created_at"] = post.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if "entities" in fields and post.article_url:
            # t.co wraps every link; expanded_url / unwound_url carry the real one.
            out["entities"] = {
                "urls": [
                    {
                        "start": len(post.title) + 1,
                        "end": len(post.title) + 24,
                        "url": f"https://t.co/{post.key[-10:]}",
                        "expanded_url": post.article_url,
                        "display_url": post.article_url.split("://", 1)[-1][:28] + "…",
                        "status": 200,
                        "unwound_url": post.article_url,
                    }
                ]
            }
        if "public_metrics" in fields:
            counts = self.world.engagement(post)
            out["public_metrics"] = {
                "retweet_count": counts["reposts"],
                "reply_count": counts["replies"],
                "like_count": counts["interactions"],
                "quote_count": counts["quotes"],
                "bookmark_count": counts["bookmarks"],
                "impression_count": counts["views"],
            }
        return out


def _error(post_id: str, title: str, kind: str, detail: str) -> dict[str, str]:
    return {
        "value": post_id,
        "detail": detail,
        "title": title,
        "resource_type": "tweet",
        "parameter": "ids",
        "resource_id": post_id,
        "type": f"{PROBLEMS}/{kind}",
    }


def _invalid_ids(ids: list[str]) -> dict[str, Any] | None:
    """X's 400 body for an ids list that is empty, too long or not numeric."""
    if 1 <= len(ids) <= MAX_IDS and all(i.isdigit() and len(i) <= 19 for i in ids):
        return None
    if not 1 <= len(ids) <= MAX_IDS:
        message = (
            f"The number of values in the `ids` query parameter list [{len(ids)}] is not between 1 and 100"
        )
    else:
        bad = next(i for i in ids if not (i.isdigit() and len(i) <= 19))
        message = f"The `ids` query parameter value [{bad}] does not match ^[0-9]{{1,19}}$"
    return {
        "errors": [{"parameters": {"ids": [",".join(ids)]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": f"{PROBLEMS}/invalid-request",
    }
