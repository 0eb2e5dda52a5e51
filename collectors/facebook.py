"""Facebook Graph API: engagement of article URLs (reactions, comments, shares across all of
Facebook), up to 50 URLs a request, with an app access token.

API facts (docs/platforms/facebook.md cites them): `GET /<version>/?ids=<url>,…&fields=engagement`
answers an object keyed by each URL; engagement exists for any URL (zeros when nobody shared
it), so nothing is ever gone. Only 10 requests per URL per app per hour are allowed. Throttling
is a JSON error with code 4, 17, 32 or 613 (never a 429) and a refused token is code 190; the
HTTP seam maps both. Facebook posts themselves are not readable with an app token, so
`identify` recognises none and `find_shares` names the article URL itself as the item.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from tracker.collector import Credential, Discovery, Gone, Limits, Sample, Target
from tracker.collector_base import CollectorBase
from tracker.decode import counts, expect
from tracker.errors import UnknownURL
from tracker.urls import NO_RULES, UrlRules, canonicalize

NAME = "facebook"
ROLES = ("samples", "searches_shares")
NEEDS = ("url_rules",)  # the per-site article-key rules (Config.url_rules) arrive as Settings.url_rules
COLOR = "#0b3d91"
# An app token gets 200 calls an hour per daily active user of the app (rolling hour); 200 is
# the floor for an app with one user. `ids` takes at most 50 ids. One URL may be read at most
# 10 times an hour per app, hence a 6-minute resample floor.
LIMITS = Limits(
    requests=200,
    per_seconds=3600,
    max_batch=50,
    min_resample_s=360,
    header_style="facebook",  # x-app-usage percentages
    error_style="facebook",  # Graph error codes: 4/17/32/613 throttled, 190 token refused
)
CREDENTIALS: tuple[Credential, ...] = (
    Credential("app_token", "FACEBOOK_APP_TOKEN", help='app access token, "app_id|app_secret"'),
)
# comment_plugin_count (comments in the site's own Comments Plugin) is left out on purpose:
# it counts on-site comments, not engagement on Facebook.
ENGAGEMENT = {"reaction_count": "reactions", "comment_count": "comments", "share_count": "shares"}
# URLs on these hosts belong to facebook: one that `identify` does not recognise is an error, not an article.
HOSTS = ("facebook.com", "m.facebook.com", "fb.com", "fb.watch")


@dataclass(frozen=True)
class Settings:
    url_rules: UrlRules = NO_RULES  # NEEDS: how [[sites]] key their articles
    graph_url: str = "https://graph.facebook.com"
    api_version: str = "v21.0"


class Collector(CollectorBase[Settings]):
    def connect(self) -> None:
        self.token = self.credentials["app_token"].reveal()
        self.graph = self.http.client(self.settings.graph_url)

    def identify(self, url: str) -> str | None:
        """Facebook posts cannot be read with an app token: no URL is a trackable item."""
        return None

    def find_shares(self, article: Target) -> Iterator[Discovery]:
        """Facebook engagement is per URL: the article's own canonical URL is the item (no I/O)."""
        try:
            url = canonicalize(article.url or article.item_key, self.settings.url_rules)
        except UnknownURL:
            return
        yield Discovery(platform=NAME, item_key=url, url=url, links_to=url, kind="post")

    def sample(self, targets: Sequence[Target]) -> Iterator[Sample | Gone]:
        """One `ids=` request for the batch (the runner hands over at most 50 URLs)."""
        if not targets:
            return
        response = self.graph.get(
            f"/{self.settings.api_version}/",
            params={
                "ids": ",".join(t.item_key for t in targets),
                "fields": "engagement",
                "access_token": self.token,
            },
        )
        answer = self.decode.answer(response, dict, "ids answer")
        by_url = _by_canonical_url(answer, self.settings.url_rules)
        now = self.clock.now()
        for target in targets:
            node = answer.get(target.item_key)
            if node is None:
                node = by_url.get(_canonical_or_none(target.item_key, self.settings.url_rules) or "")
            if node is None:
                continue  # the answer says nothing about this URL: no record, it is asked again later
            node = expect(NAME, response, node, dict, f"node {target.item_key}")
            yield Sample(NAME, target.item_key, now, _engagement(response, node, target.item_key))


def _engagement(response: httpx.Response, node: dict[str, Any], key: str) -> dict[str, int]:
    raw = node.get("engagement")
    if raw is None:
        return {}
    return counts(
        NAME, expect(NAME, response, raw, dict, f"{key} engagement"), ENGAGEMENT, response.status_code
    )


def _by_canonical_url(answer: dict[str, Any], rules: UrlRules) -> dict[str, Any]:
    """Index nodes by the canonical form of their key, in case Graph spells a URL differently."""
    out: dict[str, Any] = {}
    for key, node in answer.items():
        canonical = _canonical_or_none(key, rules)
        if canonical is not None:
            out.setdefault(canonical, node)
    return out


def _canonical_or_none(url: str, rules: UrlRules) -> str | None:
    try:
        return canonicalize(url, rules)
    except UnknownURL:
        return None
