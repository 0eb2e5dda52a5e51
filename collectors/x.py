"""X (Twitter) API v2: public metrics of posts by id, 100 ids a request, with an app-only
bearer token.

API facts (docs/platforms/x.md cites them): `GET /2/tweets?ids=` takes up to 100 ids and
answers 200 even when some or all of them are unavailable. Those ids come back in an
`errors` array, typed by a problem URI: `resource-not-found` for deleted or unknown posts,
`not-authorized-for-resource` for posts of protected accounts. The endpoint allows 3,500
requests per 15 minutes per app. There is no `find_shares`, because searching posts by URL
needs a paid search tier.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from tracker.collector import Credential, Gone, GoneReason, Limits, Sample, Target
from tracker.collector_base import CollectorBase
from tracker.decode import expect

NAME = "x"
ROLES = ("samples",)
COLOR = "#111111"
# docs.x.com rate limits: GET /2/tweets allows 3,500 requests / 15 min per app (bearer token).
LIMITS = Limits(
    requests=3500, per_seconds=900, max_batch=100, min_resample_s=60, header_style="x", error_style="x"
)
CREDENTIALS: tuple[Credential, ...] = (
    Credential("bearer_token", "X_BEARER_TOKEN", help="app-only bearer token from the X developer console"),
)
PUBLIC_METRICS = {
    "like_count": "likes",
    "retweet_count": "reposts",
    "reply_count": "replies",
    "quote_count": "quotes",
    "bookmark_count": "bookmarks",
    "impression_count": "views",
}
# Problem types of per-id errors, matched on the path so api.twitter.com and api.x.com both work.
_GONE_PROBLEMS: dict[str, GoneReason] = {
    "/2/problems/resource-not-found": "not_found",
    "/2/problems/not-authorized-for-resource": "private",
}
_GONE_TITLES: dict[str, GoneReason] = {"Not Found Error": "not_found", "Authorization Error": "private"}
# URLs on these hosts belong to x: one that `identify` does not recognise is an error, not an article.
HOSTS = (
    "x.com",
    "www.x.com",
    "mobile.x.com",
    "twitter.com",
    "www.twitter.com",
    "mobile.twitter.com",
    # embed fixers and mirrors that keep the /<user>/status/<id> shape of the post they show
    "fxtwitter.com",
    "vxtwitter.com",
    "fixupx.com",
    "fixvx.com",
    "nitter.net",
    "nitter.poast.org",
)


@dataclass(frozen=True)
class Settings:
    api_url: str = "https://api.x.com"
    tweet_fields: str = "public_metrics,created_at,entities"


class Collector(CollectorBase[Settings]):
    def connect(self) -> None:
        token = self.credentials["bearer_token"].reveal()
        self.api = self.http.client(self.settings.api_url, headers={"Authorization": f"Bearer {token}"})

    def identify(self, url: str) -> str | None:
        try:
            parts = httpx.URL(url.strip())
        except (httpx.InvalidURL, TypeError):
            return None
        if parts.host.lower() not in HOSTS:
            return None
        segments = [s for s in parts.path.split("/") if s]
        # /<user>/status/<id>, /<user>/statuses/<id>, /i/web/status/<id>, /i/status/<id>, plus /photo/1 etc.
        for i, segment in enumerate(segments[:-1]):
            if segment in ("status", "statuses") and 1 <= i <= 2 and segments[i + 1].isdigit():
                return segments[i + 1]
        return None

    def sample(self, targets: Sequence[Target]) -> Iterator[Sample | Gone]:
        """One lookup for the batch (the runner hands over at most 100 ids)."""
        if not targets:
            return
        response = self.api.get(
            "/2/tweets",
            params={"ids": ",".join(t.item_key for t in targets), "tweet.fields": self.settings.tweet_fields},
        )
        # A 403 (the app's access level lacks this endpoint) is AuthFailed at the HTTP seam (error_style "x").
        answer = self.decode.answer(response, dict, "lookup answer")
        posts = {post["id"]: post for post in _posts(response, answer.get("data"))}
        gone = _gone_ids(response, answer.get("errors"))
        now = self.clock.now()
        for target in targets:
            post = posts.get(target.item_key)
            if post is not None:
                metrics_raw = post.get("public_metrics")
                if metrics_raw is None:
                    metrics: dict[str, int] = {}
                else:
                    source = self.decode.expect(
                        response, metrics_raw, dict, f"post {target.item_key} public_metrics"
                    )
                    metrics = self.decode.counts(response, source, PUBLIC_METRICS)
                yield Sample(NAME, target.item_key, now, metrics, links_to=_shared_url(post))
            elif target.item_key in gone:
                yield Gone(target, gone[target.item_key])
            # Otherwise the answer said nothing about this id: no record, so it is asked again later.


def _posts(response: httpx.Response, data: Any) -> list[dict[str, Any]]:
    if data is None:  # every id failed, or an empty result
        return []
    posts = []
    for post in expect(NAME, response, data, list, "data"):
        post = expect(NAME, response, post, dict, "post")
        expect(NAME, response, post.get("id"), str, "post id")
        posts.append(post)
    return posts


def _gone_ids(response: httpx.Response, errors: Any) -> dict[str, GoneReason]:
    """Per-id problems of a 200 answer that mean the post is unavailable for good."""
    if errors is None:
        return {}
    out: dict[str, GoneReason] = {}
    for error in expect(NAME, response, errors, list, "errors"):
        if not isinstance(error, dict):
            continue
        resource_id = error.get("resource_id") or error.get("value")
        if not isinstance(resource_id, str):
            continue
        problem = str(error.get("type") or "")
        reason = next((r for suffix, r in _GONE_PROBLEMS.items() if problem.endswith(suffix)), None)
        reason = reason or _GONE_TITLES.get(str(error.get("title")))
        if reason is not None:
            out[resource_id] = reason
    return out


def _shared_url(post: dict[str, Any]) -> str | None:
    """The first link the post carries, unwrapped from t.co (entities.urls unwound/expanded)."""
    entities = post.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    for entry in urls if isinstance(urls, list) else []:
        if isinstance(entry, dict):
            for key in ("unwound_url", "expanded_url"):
                value = entry.get(key)
                if isinstance(value, str) and value.startswith("http") and "//t.co/" not in value:
                    return value
    return None
