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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx

from tracker.clock import Clock
from tracker.collector import Credential, Gone, Limits, Sample, Target
from tracker.decode import check_status, counts, expect, json_body, snippet
from tracker.errors import AuthFailed, RateLimited
from tracker.http import PlatformHTTP
from tracker.secrets import Secret

NAME = "youtube"
# No per-second limit is documented; the bucket is our own politeness. The binding budget is
# the daily quota: 10,000 units, 1 unit per videos.list call of up to 50 ids.
LIMITS = Limits(
    requests=10,
    per_seconds=1,
    max_batch=50,
    min_resample_s=300,
    header_style="none",
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

# errors[].reason values (developers.google.com/youtube/v3/docs/errors and Google's common errors).
_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "accessNotConfigured", "ipRefererBlocked"})
_RATE_BACKOFF = timedelta(seconds=60)

_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_WATCH_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"})
_EMBED_HOSTS = _WATCH_HOSTS | {"youtube-nocookie.com", "www.youtube-nocookie.com"}
_PATH_PREFIXES = ("shorts", "embed", "live", "v")


@dataclass(frozen=True)
class Settings:
    api_url: str = "https://www.googleapis.com"


class Collector:
    def __init__(
        self, http: PlatformHTTP, settings: Settings, credentials: Mapping[str, Secret], clock: Clock
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.http = http
        self.redact = http.redact
        self.key = credentials["api_key"].reveal()
        self.api = http.client(settings.api_url)

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
        for start in range(0, len(targets), LIMITS.max_batch):
            yield from self._sample_batch(targets[start : start + LIMITS.max_batch])

    def _sample_batch(self, targets: Sequence[Target]) -> Iterator[Sample | Gone]:
        if not targets:
            return
        ids = ",".join(t.item_key for t in targets)
        response = self.api.get(
            "/youtube/v3/videos", params={"part": "statistics", "id": ids, "key": self.key}
        )
        body = json_body(NAME, response, self.redact)
        if response.status_code >= 400:
            self._raise_for_error(response, body)
        answer = expect(NAME, response, body, dict, "videos.list answer")
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
                stats = expect(NAME, response, stats, dict, f"video {target.item_key} statistics")
                metrics = counts(NAME, stats, STATISTICS, response.status_code)
            yield Sample(NAME, target.item_key, now, metrics)

    def _raise_for_error(self, response: httpx.Response, body: Any) -> None:
        """Map Google's error reasons: quota -> RateLimited until the reset, a bad key -> AuthFailed."""
        reasons, message = _error_reasons(body)
        status = response.status_code
        if reasons & _QUOTA_REASONS:
            retry_at = self._next_quota_reset()
            if self.http.quota is not None:
                # YouTube says the day's units are gone (perhaps spent elsewhere): stop asking.
                self.http.quota.restore(self.http.quota.per_day)
            raise RateLimited(NAME, retry_at, "daily quota exceeded (quotaExceeded)")
        if reasons & _RATE_REASONS:
            raise RateLimited(NAME, self.clock.now() + _RATE_BACKOFF, f"HTTP {status} {sorted(reasons)[0]}")
        key_refused = reasons & _KEY_REASONS or any(r.startswith("API_KEY_") for r in reasons)
        if status in (400, 403) and (key_refused or "api key" in message.lower()):
            why = snippet(message or ", ".join(sorted(reasons)), self.redact)
            raise AuthFailed(NAME, f"YOUTUBE_API_KEY refused (HTTP {status}): {why}")
        check_status(NAME, response, body, self.redact)

    def _next_quota_reset(self) -> datetime:
        if self.http.quota is not None:
            return self.http.quota.next_reset()
        tz = ZoneInfo(self.http.limits.quota_reset_tz)
        local = self.clock.now().astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        return (local + timedelta(days=1)).astimezone(UTC)


def _videos(response: httpx.Response, items: Any) -> dict[str, dict[str, Any]]:
    if items is None:  # defensive: an answer without `items` lists no videos
        return {}
    out: dict[str, dict[str, Any]] = {}
    for item in expect(NAME, response, items, list, "items"):
        video = expect(NAME, response, item, dict, "video")
        out[expect(NAME, response, video.get("id"), str, "video id")] = video
    return out


def _error_reasons(body: Any) -> tuple[set[str], str]:
    """The `reason`s of a Google JSON error (errors[] and details[] ErrorInfo) and its message."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return set(), ""
    reasons = set()
    entries = [e for part in ("errors", "details") if isinstance(error.get(part), list) for e in error[part]]
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("reason"), str):
            reasons.add(entry["reason"])
    message = error.get("message")
    return reasons, message if isinstance(message, str) else ""
