"""Bluesky through the public AppView, without credentials: like/repost/reply/quote/bookmark
counts by AT-URI in batches of 25 (app.bsky.feed.getPosts), and posts that link an article
(app.bsky.feed.searchPosts with its `url` filter).

API facts (docs/platforms/bluesky.md cites them): getPosts silently leaves out URIs it cannot
show, so a URI missing from `posts` is gone. The `url` filter "may apply URL normalization or
fuzzy matching", so every hit is re-checked here against the canonical article URL. The
public AppView refuses `cursor` on unauthenticated searches, so a search reads one page.
XRPC errors are JSON `{"error": name, "message": text}`.

A post URL names its author by handle; the key keeps the handle until `resolve` replaces it by
the account's DID (com.atproto.identity.resolveHandle). When the resolver cannot be reached at
track time the post is tracked under the handle key, and the first sampling round that reaches
it re-keys the item (tracker.runner asks `unresolved`/`resolve`); a handle the resolver says
does not exist is an UnknownURL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tracker.collector import Credential, Discovery, Gone, Limits, Sample, Target
from tracker.collector_base import CollectorBase
from tracker.decode import timestamp
from tracker.errors import BadResponse, UnknownURL
from tracker.urls import NO_RULES, UrlRules, canonicalize

NAME = "bluesky"
ROLES = ("samples", "searches_shares")
NEEDS = ("url_rules",)  # the per-site article-key rules (Config.url_rules) arrive as Settings.url_rules
COLOR = "#4aa8ff"  # sky blue, apart from facebook's navy
# The AppView sends `ratelimit-policy: 3000;w=300` (3000 requests per 5 minutes per IP), the
# figure Bluesky documents for its PDS hosts; getPosts takes at most 25 URIs.
LIMITS = Limits(requests=3000, per_seconds=300, max_batch=25, min_resample_s=60, header_style="ietf")
CREDENTIALS: tuple[Credential, ...] = ()
# URLs on these hosts belong to bluesky: one that `identify` does not recognise is an error, not an article.
HOSTS = ("bsky.app",)

POST_COLLECTION = "app.bsky.feed.post"
METRIC_FIELDS = {
    "likeCount": "likes",
    "repostCount": "reposts",
    "replyCount": "replies",
    "quoteCount": "quotes",
    "bookmarkCount": "bookmarks",
}
_LINK_FACET = "app.bsky.richtext.facet#link"
_RKEY = r"[A-Za-z0-9._~:-]{1,512}"
_WEB_POST = re.compile(rf"^https?://(?:www\.)?bsky\.app/profile/([^/?#]+)/post/({_RKEY})/?(?:[?#].*)?$", re.I)
_AT_URI = re.compile(rf"^at://([^/]+)/app\.bsky\.feed\.post/({_RKEY})$")


@dataclass(frozen=True)
class Settings:
    url_rules: UrlRules = NO_RULES  # NEEDS: how [[sites]] key their articles
    appview_url: str = "https://public.api.bsky.app"
    search_limit: int = 100  # searchPosts `limit`; the lexicon allows 1..100


def post_uri(authority: str, rkey: str) -> str:
    """The AT-URI of a post record; handles are lower-cased, DIDs kept as they are."""
    if not authority.startswith("did:"):
        authority = authority.lower()
    return f"at://{authority}/{POST_COLLECTION}/{rkey}"


def web_url(uri: str) -> str:
    """The bsky.app permalink of a post AT-URI."""
    match = _AT_URI.match(uri)
    if not match:
        return uri
    return f"https://bsky.app/profile/{match.group(1)}/post/{match.group(2)}"


class Collector(CollectorBase[Settings]):
    def connect(self) -> None:
        self.appview = self.http.client(self.settings.appview_url)

    def identify(self, url: str) -> str | None:
        text = url.strip()
        match = _WEB_POST.match(text) or _AT_URI.match(text)
        return post_uri(match.group(1), match.group(2)) if match else None

    def unresolved(self, item_key: str) -> bool:
        """An AT-URI that still names its author by handle (no request)."""
        match = _AT_URI.match(item_key)
        return match is not None and not match.group(1).startswith("did:")

    def resolve(self, item_key: str) -> str:
        """Replace a handle in the AT-URI by the account's DID (handles can change hands).

        UnknownURL when the resolver says the handle resolves to nothing (XRPC 400);
        Unreachable, RateLimited or BadResponse when it cannot say right now."""
        match = _AT_URI.match(item_key)
        if not match or match.group(1).startswith("did:"):
            return item_key
        response = self.appview.get(
            "/xrpc/com.atproto.identity.resolveHandle", params={"handle": match.group(1)}
        )
        if response.status_code == 400:  # InvalidRequest "Unable to resolve handle": an answer, not a fault
            body = self.decode.json(response)
            message = body.get("message") if isinstance(body, dict) else None
            raise UnknownURL(
                f"bluesky: the handle {match.group(1)} does not resolve "
                f"({self.decode.snippet(str(message or 'HTTP 400'))})"
            )
        body = self.decode.answer(response, dict, "resolveHandle answer")
        did = body.get("did")
        if not isinstance(did, str) or not did.startswith("did:"):
            raise BadResponse(NAME, response.status_code, f"did={str(did)[:40]!r}", "wrong shape")
        return post_uri(did, match.group(2))

    def sample(self, targets: Sequence[Target]) -> Iterator[Sample | Gone]:
        if not targets:
            return
        response = self.appview.get(
            "/xrpc/app.bsky.feed.getPosts", params=[("uris", t.item_key) for t in targets]
        )
        body = self.decode.answer(response, dict, "getPosts answer")
        posts = self.decode.expect(response, body.get("posts"), list, "posts")
        found: dict[str, dict[str, Any]] = {}
        for i, post in enumerate(posts):
            post = self.decode.expect(response, post, dict, f"posts[{i}]")
            uri = self.decode.expect(response, post.get("uri"), str, f"posts[{i}].uri")
            found[uri] = post
            # A key that still names a handle matches the post by its author's handle.
            author = post.get("author")
            match = _AT_URI.match(uri)
            if match and isinstance(author, dict) and isinstance(author.get("handle"), str):
                found.setdefault(post_uri(author["handle"], match.group(2)), post)
        now = self.clock.now()
        for target in targets:
            hit = found.get(target.item_key)
            if hit is None:  # getPosts leaves out deleted, taken-down and unknown posts
                yield Gone(target, "not_found")
                continue
            metrics = self.decode.counts(response, hit, METRIC_FIELDS)
            yield Sample(NAME, target.item_key, now, metrics, links_to=_external_link(hit))

    def find_shares(self, article: Target) -> Iterator[Discovery]:
        assert article.url is not None
        wanted = canonicalize(article.url, self.settings.url_rules)
        response = self.appview.get(
            "/xrpc/app.bsky.feed.searchPosts",
            params={"q": "*", "url": article.url, "limit": self.settings.search_limit, "sort": "latest"},
        )
        if response.status_code == 403:
            # The public AppView switches unauthenticated search off under load (an HTML or JSON 403).
            raise self.decode.bad(
                response, self.decode.snippet(response.text), "search refused to anonymous clients"
            )
        body = self.decode.answer(response, dict, "searchPosts answer")
        posts = self.decode.expect(response, body.get("posts"), list, "posts")
        for post in posts:
            if not isinstance(post, dict) or not isinstance(post.get("uri"), str):
                continue
            if wanted not in _canonical_links(post, self.settings.url_rules):
                continue  # the server's fuzzy URL match found another page
            record = _obj(post.get("record"))
            author = _obj(post.get("author"))
            text = record.get("text")
            yield Discovery(
                platform=NAME,
                item_key=post["uri"],
                url=web_url(post["uri"]),
                title=text[:300] if isinstance(text, str) and text else None,
                published_at=timestamp(record.get("createdAt")),
                links_to=wanted,
                author=author.get("handle") if isinstance(author.get("handle"), str) else None,
            )


def _canonical_links(post: Mapping[str, Any], rules: UrlRules) -> set[str]:
    """Every http(s) link of a post (link card in the record or its view, link facets), canonical."""
    raw: list[Any] = []
    record = _obj(post.get("record"))
    for embed in (record.get("embed"), post.get("embed")):
        if isinstance(embed, dict):
            # app.bsky.embed.external, or recordWithMedia whose media is an external card.
            for holder in (embed, embed.get("media")):
                if isinstance(holder, dict) and isinstance(holder.get("external"), dict):
                    raw.append(holder["external"].get("uri"))
    for facet in record.get("facets") or ():
        features = facet.get("features") if isinstance(facet, dict) else None
        for feature in features or ():
            if isinstance(feature, dict) and feature.get("$type") == _LINK_FACET:
                raw.append(feature.get("uri"))
    out: set[str] = set()
    for link in raw:
        if isinstance(link, str):
            try:
                out.add(canonicalize(link, rules))
            except UnknownURL:
                continue
    return out


def _obj(value: Any) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def _external_link(post: dict[str, Any]) -> str | None:
    """The link card's URL (app.bsky.embed.external), the article a post shares."""
    for holder in (
        post.get("embed"),
        (post.get("record") or {}).get("embed") if isinstance(post.get("record"), dict) else None,
    ):
        external = holder.get("external") if isinstance(holder, dict) else None
        uri = external.get("uri") if isinstance(external, dict) else None
        if isinstance(uri, str) and uri.startswith("http"):
            return uri
    return None
