"""YouTube Data API v3 videos.list as it answers: an API key in `key=`, statistics as decimal
strings (likeCount left out where the owner hides likes, commentCount where comments are off),
unknown/deleted/private ids silently missing from `items`, Google's JSON error bodies, and a
daily quota of 10,000 units per key, reset at midnight Pacific, spent as a 403 quotaExceeded.
YouTube sends no rate-limit headers.
"""

from __future__ import annotations

import threading
import zlib
from datetime import date
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import numpy as np
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from tracker.simweb.fake import Fake, json_response
from tracker.simweb.world import SimArticle, SimPost

QUOTA_PER_DAY = 10_000  # units per project (key) per day; videos.list costs 1
PACIFIC = ZoneInfo("America/Los_Angeles")
QUOTA_MESSAGE = (
    "The request cannot be completed because you have exceeded your "
    '<a href="/youtube/v3/getting-started#quota">quota</a>.'
)
KEY_MESSAGE = "API key not valid. Please pass a valid API key."
PARTS = frozenset({"id", "snippet", "statistics", "contentDetails", "status"})


def likes_hidden(video_id: str) -> bool:
    """About one video in eight hides its like count (deterministic per id)."""
    return zlib.crc32(video_id.encode()) % 8 == 0


def comments_off(video_id: str) -> bool:
    """About one video in eleven has comments turned off (deterministic per id)."""
    return zlib.crc32(video_id.encode()[::-1]) % 11 == 0


def google_error(code: int, message: str, reason: str, domain: str, **extra: Any) -> dict[str, Any]:
    """Google's JSON error body: {"error": {"code", "message", "errors": [{message, domain, reason}]}}."""
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
    }
    error.update(extra)
    return {"error": error}


VIDEO_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class PlatformFake(Fake):
    NAME = "youtube"
    MOUNTS: ClassVar[dict[str, str]] = {"api_url": "/youtube/api"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invalid_keys: set[str] = set()  # keys answered with 400 API_KEY_INVALID
        self.used: dict[str, tuple[date, int]] = {}  # key -> (Pacific day, units spent)
        self._lock = threading.Lock()

    @staticmethod
    def post_key(article: SimArticle, j: int, serial: int, rng: np.random.Generator) -> str:
        """An 11-character video id."""
        return "".join(VIDEO_ID_ALPHABET[int(i)] for i in rng.integers(0, len(VIDEO_ID_ALPHABET), size=11))

    def rules(self) -> list[Rule]:
        return [Rule("/youtube/api/youtube/v3/videos", endpoint=self.guard(self.videos))]

    def throttled(self) -> Response:
        body = google_error(403, QUOTA_MESSAGE, "quotaExceeded", "youtube.quota")
        return json_response(body, 403)

    def _spend(self, key: str) -> bool:
        """Spend one unit of the key's day; False when the quota was already gone."""
        today = self.world.now().astimezone(PACIFIC).date()
        with self._lock:
            day, used = self.used.get(key, (today, 0))
            if day != today:
                used = 0
            if used >= QUOTA_PER_DAY:
                return False
            self.used[key] = (today, used + 1)
            return True

    def videos(self, request: Request) -> Response:
        key = request.args.get("key", "")
        if not key:
            message = "The request is missing a valid API key."
            return json_response(
                google_error(403, message, "forbidden", "global", status="PERMISSION_DENIED"), 403
            )
        if key in self.invalid_keys:
            details = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "youtube.googleapis.com"},
                }
            ]
            body = google_error(
                400, KEY_MESSAGE, "badRequest", "global", status="INVALID_ARGUMENT", details=details
            )
            return json_response(body, 400)
        if not self._spend(key):
            return self.throttled()
        parts = {p for p in request.args.get("part", "").split(",") if p}
        if not parts or not parts <= PARTS:
            message = "'part' is missing or names an unknown part."
            return json_response(
                google_error(400, message, "missingRequiredParameter", "youtube.parameter"), 400
            )
        ids = [i for i in request.args.get("id", "").split(",") if i]
        items = []
        for video_id in ids:
            post = self.world.post(self.NAME, video_id)
            if post is None or self.world.is_gone(post):
                continue  # deleted, private and unknown videos are simply left out
            items.append(self._video(post, parts))
        return json_response(
            {
                "kind": "youtube#videoListResponse",
                "etag": f"sim{zlib.crc32(','.join(ids).encode()):08x}",
                "items": items,
                "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
            }
        )

    def _video(self, post: SimPost, parts: set[str]) -> dict[str, Any]:
        video: dict[str, Any] = {
            "kind": "youtube#video",
            "etag": f"v{zlib.crc32(post.key.encode()):08x}",
            "id": post.key,
        }
        if "snippet" in parts:
            video["snippet"] = {
                "publishedAt": post.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "channelId": f"UCsim{zlib.crc32(post.author.encode()):019d}",
                "title": post.title,
                "description": post.article_url or "",
                "channelTitle": post.author,
                "liveBroadcastContent": "none",
            }
        if "statistics" in parts:
            counts = self.world.engagement(post)
            stats = {
                "viewCount": str(counts["views"]),
                "likeCount": str(counts["interactions"]),
                "favoriteCount": "0",
                "commentCount": str(counts["comments"]),
            }
            if likes_hidden(post.key):
                del stats["likeCount"]
            if comments_off(post.key):
                del stats["commentCount"]
            video["statistics"] = stats
        return video
