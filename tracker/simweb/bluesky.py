"""The Bluesky AppView as it answers anonymous clients: getPosts (at most 25 AT-URIs, unknown
ones silently left out), searchPosts with a fuzzy `url` filter and no `cursor` for anonymous
callers, resolveHandle, XRPC error bodies, and IETF RateLimit-* headers with an epoch reset.

The world keys Bluesky posts as "<did>/<rkey>"; here they are the AT-URIs
`at://<did>/app.bsky.feed.post/<rkey>`, and each DID `did:plc:<x>` has the handle
`<x>.bsky.social`.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any, ClassVar

import numpy as np
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from tracker.simweb.fake import Fake, WindowCounter, json_response
from tracker.simweb.world import SimArticle, SimPost, base36

COLLECTION = "app.bsky.feed.post"
LIMIT, WINDOW_S = 3000, 300  # ratelimit-policy: 3000;w=300 (api-samples/bluesky/*.meta.json)
MAX_URIS = 25
HANDLE_SUFFIX = ".bsky.social"
FORBIDDEN_BODY = "<body>Request forbidden by administrative rules."


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _xrpc_error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": error, "message": message}, status, headers)


class PlatformFake(Fake):
    NAME = "bluesky"
    MOUNTS: ClassVar[dict[str, str]] = {"appview_url": "/bluesky"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counter = WindowCounter(LIMIT, WINDOW_S)

    @staticmethod
    def post_key(article: SimArticle, j: int, serial: int, rng: np.random.Generator) -> str:
        return f"did:plc:sim{article.article_id:05d}{j}/3l{base36(serial)}"

    def rules(self) -> list[Rule]:
        return [
            Rule("/bluesky/xrpc/app.bsky.feed.getPosts", endpoint=self.guard(self.get_posts)),
            Rule("/bluesky/xrpc/app.bsky.feed.searchPosts", endpoint=self.guard(self.search_posts)),
            Rule(
                "/bluesky/xrpc/com.atproto.identity.resolveHandle", endpoint=self.guard(self.resolve_handle)
            ),
        ]

    # -- rate limits ----------------------------------------------------------------------------

    def _headers(self, remaining: int, reset: float) -> dict[str, str]:
        return {
            "ratelimit-limit": str(LIMIT),
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(int(reset)),  # epoch seconds, as Bluesky sends it
            "ratelimit-policy": f"{LIMIT};w={WINDOW_S}",
            "cache-control": "public, max-age=5",
        }

    def throttled(self) -> Response:
        _, reset = self.counter.peek()
        return _xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", self._headers(0, reset))

    def _count(self) -> dict[str, str] | Response:
        remaining, reset, over = self.counter.hit()
        return self.throttled() if over else self._headers(remaining, reset)

    # -- identities -----------------------------------------------------------------------------

    def _did_for(self, authority: str) -> str | None:
        if authority.startswith("did:"):
            return authority
        if not authority.endswith(HANDLE_SUFFIX):
            return None
        did = "did:plc:" + authority.removesuffix(HANDLE_SUFFIX)
        return did if any(k.startswith(did + "/") for k in self.world.posts[self.NAME]) else None

    @staticmethod
    def _handle(did: str) -> str:
        return did.removeprefix("did:plc:") + HANDLE_SUFFIX

    # -- endpoints ------------------------------------------------------------------------------

    def resolve_handle(self, request: Request) -> Response:
        headers = self._count()
        if isinstance(headers, Response):
            return headers
        handle = request.args.get("handle", "").lower()
        if not handle:
            return _xrpc_error(
                400, "InvalidRequest", 'Error: Params must have the property "handle"', headers
            )
        did = self._did_for(handle)
        if did is None or handle.startswith("did:"):
            return _xrpc_error(400, "InvalidRequest", "Unable to resolve handle", headers)
        return json_response({"did": did}, headers=headers)

    def get_posts(self, request: Request) -> Response:
        headers = self._count()
        if isinstance(headers, Response):
            return headers
        uris = request.args.getlist("uris")
        if not uris:
            return _xrpc_error(400, "InvalidRequest", 'Error: Params must have the property "uris"', headers)
        if len(uris) > MAX_URIS:
            return _xrpc_error(
                400, "InvalidRequest", f"Error: uris must not have more than {MAX_URIS} elements", headers
            )
        views = []
        for uri in uris:
            post = self._post_for(uri)
            if post is not None:
                views.append(self._view(post))
        return json_response({"posts": views}, headers=headers)

    def search_posts(self, request: Request) -> Response:
        headers = self._count()
        if isinstance(headers, Response):
            return headers
        if "cursor" in request.args:
            # The public AppView's proxy rejects paging for anonymous search (atproto#2838).
            page = "<html><head><title>403 Forbidden</title></head>" + FORBIDDEN_BODY
            return Response(page + "</body></html>", 403, headers=headers, mimetype="text/html")
        if not request.args.get("q"):
            return _xrpc_error(400, "InvalidRequest", 'Error: Params must have the property "q"', headers)
        try:
            limit = int(request.args.get("limit", "25"))
        except ValueError:
            return _xrpc_error(400, "InvalidRequest", "Error: limit must be an integer", headers)
        if not 1 <= limit <= 100:
            return _xrpc_error(400, "InvalidRequest", "Error: limit must be between 1 and 100", headers)
        wanted = _fuzzy(request.args.get("url", ""))
        now = self.world.now()
        hits = [
            p
            for p in self.world.posts[self.NAME].values()
            if p.article_url
            and p.created_at <= now
            and not self.world.is_gone(p)
            and (not wanted or _fuzzy(p.article_url).startswith(wanted))  # "fuzzy matching" on the URL
        ]
        hits.sort(key=lambda p: p.created_at, reverse=True)  # sort=latest
        body: dict[str, Any] = {"hitsTotal": len(hits), "posts": [self._view(p) for p in hits[:limit]]}
        if len(hits) > limit:
            body["cursor"] = str(limit)
        return json_response(body, headers=headers)

    # -- shapes ---------------------------------------------------------------------------------

    def _post_for(self, uri: str) -> SimPost | None:
        authority, _, rest = uri.removeprefix("at://").partition("/")
        collection, _, rkey = rest.partition("/")
        did = self._did_for(authority)
        if not uri.startswith("at://") or collection != COLLECTION or did is None:
            return None
        post = self.world.post(self.NAME, f"{did}/{rkey}")
        return None if post is None or self.world.is_gone(post) else post

    def _view(self, post: SimPost) -> dict[str, Any]:
        did, _, rkey = post.key.partition("/")
        counts = self.world.engagement(post)
        record: dict[str, Any] = {"$type": COLLECTION, "createdAt": _stamp(post.created_at), "langs": ["en"]}
        view: dict[str, Any] = {
            "uri": f"at://{did}/{COLLECTION}/{rkey}",
            "cid": f"bafyrei{zlib.crc32(post.key.encode()):08x}simcid",
            "author": {
                "did": did,
                "handle": self._handle(did),
                "displayName": post.author,
                "labels": [],
                "createdAt": "2024-01-01T00:00:00.000Z",
            },
            "record": record,
            "bookmarkCount": counts["bookmarks"],
            "replyCount": counts["replies"],
            "repostCount": counts["reposts"],
            "likeCount": counts["interactions"],
            "quoteCount": counts["quotes"],
            "indexedAt": _stamp(post.created_at),
            "labels": [],
        }
        if post.article_url is None:
            record["text"] = post.title
            return view
        shown = post.article_url.split("://", 1)[-1][:30] + "..."
        record["text"] = f"{post.title} {shown}"
        start = len((post.title + " ").encode())
        record["facets"] = [
            {
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": post.article_url}],
                "index": {"byteStart": start, "byteEnd": start + len(shown.encode())},
            }
        ]
        # Two posts in three also carry a link card; the rest link only through the facet.
        if zlib.crc32(post.key.encode()) % 3:
            card = {"uri": post.article_url, "title": post.title, "description": ""}
            record["embed"] = {"$type": "app.bsky.embed.external", "external": card}
            view["embed"] = {"$type": "app.bsky.embed.external#view", "external": card}
        return view


def _fuzzy(url: str) -> str:
    """The AppView's loose URL comparison: no scheme, no trailing slash, lower case."""
    return url.split("://", 1)[-1].rstrip("/").lower()
