"""YouTube Data API v3: view, like and comment counts of videos, 50 ids per videos.list call,
with an API key, against a daily quota of units.

API facts (docs/platforms/youtube.md cites them): videos.list costs 1 unit and projects get
10,000 units a day, reset at midnight Pacific time; the HTTP seam's QuotaMeter counts them.
Statistics are decimal strings and may be absent (hidden likes, comments turned off). Ids the
API cannot show (deleted, private, never existed) are simply missing from `items`. A spent
quota is a 403 whose `errors[].reason` is `quotaExceeded`, not a 429. There is no
`find_shares`: search.list costs 100 units a call and cannot filter by a linked URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tracker.collector import Credential, Gone, Limits, Sample, Target
from tracker.collector_base import CollectorBase
from tracker.decode import expect

NAME = "youtube"
ROLES = ("samples",)
COLOR = "#cc0000"
# No per-second limit is documented; the bucket is our own politeness. The binding budget is
# the daily quota: 10,000 units, 1 unit per videos.list call of up to 50 ids.
LIMITS = Limits(
    requests=10,
    per_seconds=1,
    max_batch=50,
    min_resample_s=300,
    header_style="none",
    error_style="google",  # quotaExceeded -> wait for the quota day, keyInvalid -> AuthFailed
    quota_per_day=10_000,
    quota_cost=1,
    quota_reset_tz="America/Los_Angeles",
)
CREDENTIALS: tuple[Credential, ...] = (
    Credential(
        "api_key", "YOUTUBE_API_KEY", help="API key of a Google Cloud project with YouTube Data API v3"
    ),
)
STATISTICS = {"viewCount": "views", "likeCount": "likes", "commentCount": "comments"}
# URLs on these hosts belong to youtube: one that `identify` does not recognise is an error, not an article.
HOSTS = ("youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be")

_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_WATCH_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"})
_EMBED_HOSTS = _WATCH_HOSTS | {"youtube-nocookie.com", "www.youtube-nocookie.com"}
_PATH_PREFIXES = ("shorts", "embed", "live", "v")


@dataclass(frozen=True)
class Settings:
    api_url: str = "https://www.googleapis.com"


class Collector(CollectorBase[Settings]):
    def connect(self) -> None:
        self.key = self.credentials["api_key"].reveal()
        self.api = self.http.client(self.settings.api_url)

    def identify(self, url: str) -> str | None:
        """watch?v=, youtu.be/, /shorts/, /embed/ and /live/ URLs -> the 11-character video id."""
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https"):
            return None
        host = (parts.hostname or "").lower()
        segments = [s for s in parts.path.split("/") if s]
        candidate = None
        if host in ("youtu.be", "www.youtu.be") and segments:
            candidate = segments[0]
        elif host in _WATCH_HOSTS and segments == ["attribution_link"]:  # ?u=/watch%3Fv%3DID%26feature...
            inner = (parse_qs(parts.query).get("u") or [""])[0]
            return self.identify("https://www.youtube.com" + inner) if inner.startswith("/watch") else None
        elif host in _WATCH_HOSTS and segments == ["watch"]:
            candidate = (parse_qs(parts.query).get("v") or [""])[0]
        elif host in _EMBED_HOSTS and len(segments) >= 2 and segments[0] in _PATH_PREFIXES:
            candidate = segments[1]
        return candidate if candidate and _VIDEO_ID.match(candidate) else None

    def sample(self, targets: Sequence[Target]) -> Iterator[Sample | Gone]:
        """One videos.list call for the batch (the runner hands over at most 50 ids). Quota,
        rate and key refusals are raised at the HTTP seam (error_style "google")."""
        if not targets:
            return
        ids = ",".join(t.item_key for t in targets)
        response = self.api.get(
            "/youtube/v3/videos", params={"part": "statistics", "id": ids, "key": self.key}
        )
        answer = self.decode.answer(response, dict, "videos.list answer")
        videos = _videos(response, answer.get("items"))
        now = self.clock.now()
        for target in targets:
            video = videos.get(target.item_key)
            if video is None:
                # Deleted, private and unknown videos are all just left out of `items`.
                yield Gone(target, "not_found")
                continue
            stats = video.get("statistics")
            if stats is None:
                metrics: dict[str, int] = {}
            else:
                stats = self.decode.expect(response, stats, dict, f"video {target.item_key} statistics")
                metrics = self.decode.counts(response, stats, STATISTICS)
            yield Sample(NAME, target.item_key, now, metrics)


def _videos(response: httpx.Response, items: Any) -> dict[str, dict[str, Any]]:
    if items is None:  # defensive: an answer without `items` lists no videos
        return {}
    out: dict[str, dict[str, Any]] = {}
    for item in expect(NAME, response, items, list, "items"):
        video = expect(NAME, response, item, dict, "video")
        out[expect(NAME, response, video.get("id"), str, "video id")] = video
    return out
