"""Hacker News: story score and comment count by item id, stories that link an article
(Algolia search restricted to the url attribute), and front-page rank as a gauge.

API facts (docs/platforms.md cites them): the Firebase item API has no batch endpoint and no
published rate limit; a missing id answers 200 with the body `null`; deleted and dead items
carry `deleted: true` / `dead: true`. Algolia's search matches URL *tokens*, so hits whose
canonical URL differs from the article's are dropped here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tracker.collector import Credential, Cursor, Discovery, Gone, JsonValue, Limits, Sample, Target
from tracker.collector_base import CollectorBase
from tracker.errors import BadResponse
from tracker.urls import NO_RULES, UrlRules, canonicalize

NAME = "hackernews"
ROLES = ("samples", "searches_shares", "reads_trends")
NEEDS = ("url_rules",)  # the per-site article-key rules (Config.url_rules) arrive as Settings.url_rules
COLOR = "#f2a900"  # amber, so it stays apart from reddit's orange-red
# No documented limit for either API; Algolia asks for at most 10,000 requests an hour per IP.
LIMITS = Limits(requests=10_000, per_seconds=3600, max_batch=1, min_resample_s=60, header_style="none")
CREDENTIALS: tuple[Credential, ...] = ()
# URLs on these hosts belong to hackernews: one that `identify` does not recognise is an error, not an article.
HOSTS = ("news.ycombinator.com",)

_ITEM_URL = re.compile(r"^https?://news\.ycombinator\.com/item\?(?:.*&)?id=(\d+)(?:&.*)?$", re.I)


@dataclass(frozen=True)
class Settings:
    url_rules: UrlRules = NO_RULES  # NEEDS: how [[sites]] key their articles
    algolia_url: str = "https://hn.algolia.com"
    firebase_url: str = "https://hacker-news.firebaseio.com"
    search_hits: int = 50  # hitsPerPage for a URL search
    rank_top: int = 500  # how much of topstories.json to record ranks for


class Collector(CollectorBase[Settings]):
    def connect(self) -> None:
        self.firebase = self.http.client(self.settings.firebase_url)
        self.algolia = self.http.client(self.settings.algolia_url)

    def identify(self, url: str) -> str | None:
        match = _ITEM_URL.match(url.strip())
        return match.group(1) if match else None

    def sample(self, targets: Sequence[Target]) -> Iterator[Sample | Gone]:
        for target in targets:
            response = self.firebase.get(f"/v0/item/{target.item_key}.json")
            if response.status_code == 404:
                # Firebase answers a missing item with 200 and `null`; a 404 means the base URL is
                # wrong, and retiring every tracked item for it would lose them all.
                raise BadResponse(NAME, 404, f"{self.firebase.base_url} has no /v0/item/", "wrong base URL")
            body = self.decode.json(response)
            self.decode.check(response, body)
            if body is None:  # the API's way of saying "no such item"
                yield Gone(target, "not_found")
                continue
            item = self.decode.expect(response, body, dict, f"item {target.item_key}")
            if item.get("deleted"):
                yield Gone(target, "deleted")
                continue
            if item.get("dead"):
                yield Gone(target, "removed")
                continue
            metrics = self.decode.counts(response, item, {"score": "score", "descendants": "comments"})
            link = item.get("url") if isinstance(item.get("url"), str) else None
            yield Sample(NAME, target.item_key, self.clock.now(), metrics, links_to=link)

    def find_shares(self, article: Target) -> Iterator[Discovery]:
        assert article.url is not None
        wanted = canonicalize(article.url, self.settings.url_rules)
        response = self.algolia.get(
            "/api/v1/search",
            params={
                "query": article.url,
                "restrictSearchableAttributes": "url",
                "hitsPerPage": self.settings.search_hits,
            },
        )
        body = self.decode.answer(response, dict, "search answer")
        hits = self.decode.expect(response, body.get("hits"), list, "hits")
        for hit in hits:
            if not isinstance(hit, dict) or not isinstance(hit.get("url"), str):
                continue
            if canonicalize(hit["url"], self.settings.url_rules) != wanted:
                continue  # token match on another URL
            object_id = str(hit.get("objectID") or hit.get("story_id") or "")
            if not object_id.isdigit():
                continue
            created = hit.get("created_at_i")
            yield Discovery(
                platform=NAME,
                item_key=object_id,
                url=f"https://news.ycombinator.com/item?id={object_id}",
                title=hit.get("title") if isinstance(hit.get("title"), str) else None,
                published_at=datetime.fromtimestamp(created, UTC) if isinstance(created, int) else None,
                links_to=wanted,
                author=hit.get("author") if isinstance(hit.get("author"), str) else None,
            )

    def discover(self, cursors: Mapping[str, JsonValue]) -> Iterator[Discovery | Sample | Cursor]:
        """Front-page ranks: one request to topstories.json, a `rank` gauge per listed story."""
        response = self.firebase.get("/v0/topstories.json")
        ids = self.decode.answer(response, list, "topstories")
        now = self.clock.now()
        for rank, item_id in enumerate(ids[: self.settings.rank_top], start=1):
            if isinstance(item_id, int):
                yield Sample(NAME, str(item_id), now, {}, {"rank": float(rank)})
