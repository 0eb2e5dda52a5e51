"""How a platform says "throttled", "quota spent" or "credentials refused" in an error body,
read once at the HTTP seam. A platform declares its style in `Limits.error_style`, the way it
declares `header_style`, and `RateLimitedTransport` turns what is read here into RateLimited
or AuthFailed, so no collector parses refusals of its own:

    plain     nothing beyond the status: 429 is throttling (read with the headers), 401 is
              left to the collector's decoder
    facebook  Graph API error codes: 4, 17, 32, 613 are throttling, 190 a refused token
    google    Google JSON errors[].reason: quotaExceeded/dailyLimitExceeded spend the day's
              quota, rateLimitExceeded/userRateLimitExceeded back off a minute, keyInvalid and
              friends (or an "API key" message on a 400/403) refuse the key
    x         403 means the app's access level does not include the endpoint
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import httpx

from tracker.secrets import Redactor

ERROR_STYLES: tuple[str, ...] = ("plain", "facebook", "google", "x")  # tracker.collector.ErrorStyle

FACEBOOK_THROTTLE_CODES = frozenset({4, 17, 32, 613})
FACEBOOK_AUTH_CODES = frozenset({190})
FACEBOOK_BACKOFF = timedelta(minutes=5)  # the Graph API budget is a rolling hour

# errors[].reason values (developers.google.com/youtube/v3/docs/errors and Google's common errors).
GOOGLE_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
GOOGLE_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
GOOGLE_KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "accessNotConfigured", "ipRefererBlocked"})
GOOGLE_BACKOFF = timedelta(seconds=60)
_SNIPPET_CHARS = 120


@dataclass(frozen=True)
class Refusal:
    """What an error answer means for the platform as a whole.

    kind: "throttled" (wait `backoff` unless the headers say longer), "quota" (the day's
    units are spent: wait for the quota reset) or "auth" (the credentials are refused).
    """

    kind: Literal["throttled", "quota", "auth"]
    detail: str
    backoff: timedelta = timedelta(0)


def read_refusal(
    style: str, response: httpx.Response, credential: str = "credentials", redact: Redactor | None = None
) -> Refusal | None:
    """The refusal an error answer carries in the platform's style, or None for any other answer.

    `credential` names what was refused in messages (the env var, never its value).
    """
    status = response.status_code
    if status < 400:
        return None
    if style == "facebook":
        return _facebook(response)
    if style == "google":
        return _google(response, credential, redact)
    if style == "x" and status == 403:
        detail = _clip(_x_detail(_body(response)), redact)
        return Refusal("auth", f"{credential} not allowed to read posts (HTTP 403): {detail}")
    return None


def _body(response: httpx.Response) -> Any:
    try:
        return json.loads(response.read())
    except (ValueError, UnicodeDecodeError):
        return None


def _clip(text: str, redact: Redactor | None) -> str:
    one_line = " ".join(text.split())
    if redact is not None:
        one_line = redact(one_line)
    return one_line[:_SNIPPET_CHARS] + ("…" if len(one_line) > _SNIPPET_CHARS else "")


def _facebook(response: httpx.Response) -> Refusal | None:
    body = _body(response)
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if not isinstance(code, int) or isinstance(code, bool):
        return None
    if code in FACEBOOK_THROTTLE_CODES:
        return Refusal("throttled", f"HTTP {response.status_code} throttled", FACEBOOK_BACKOFF)
    if code in FACEBOOK_AUTH_CODES:
        return Refusal("auth", f"access token refused (Graph API error {code})")
    return None


def _google(response: httpx.Response, credential: str, redact: Redactor | None) -> Refusal | None:
    reasons, message = google_error_reasons(_body(response))
    status = response.status_code
    if reasons & GOOGLE_QUOTA_REASONS:
        return Refusal("quota", "daily quota exceeded (quotaExceeded)")
    if reasons & GOOGLE_RATE_REASONS:
        return Refusal("throttled", f"HTTP {status} {sorted(reasons)[0]}", GOOGLE_BACKOFF)
    key_refused = reasons & GOOGLE_KEY_REASONS or any(r.startswith("API_KEY_") for r in reasons)
    if status in (400, 403) and (key_refused or "api key" in message.lower()):
        why = _clip(message or ", ".join(sorted(reasons)), redact)
        return Refusal("auth", f"{credential} refused (HTTP {status}): {why}")
    return None


def google_error_reasons(body: Any) -> tuple[set[str], str]:
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


def _x_detail(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or "")[:120]
    return ""
