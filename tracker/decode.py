"""Turning platform answers into typed values, or into a `BadResponse` with a short,
redacted snippet. Collectors use these so that an HTML error page, a truncated body or a
count that is not a number is always an error and never a 0 stored as if it were a count.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from tracker.errors import AuthFailed, BadResponse
from tracker.secrets import Redactor

SNIPPET_CHARS = 120


def snippet(text: str, redact: Redactor | None = None) -> str:
    """The first characters of a body on one line, secrets scrubbed."""
    one_line = " ".join(text.split())
    if redact is not None:
        one_line = redact(one_line)
    return one_line[:SNIPPET_CHARS] + ("…" if len(one_line) > SNIPPET_CHARS else "")


def json_body(platform: str, response: httpx.Response, redact: Redactor | None = None) -> Any:
    """The parsed JSON of a response, or BadResponse if it is not JSON at all."""
    try:
        text = response.text
    except (httpx.DecodingError, UnicodeDecodeError) as exc:
        raise BadResponse(
            platform, response.status_code, f"undecodable body ({exc})", "unreadable body"
        ) from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadResponse(
            platform, response.status_code, snippet(text, redact) or "(empty body)", "not JSON"
        ) from exc


def expect(
    platform: str, response: httpx.Response, value: Any, kind: type | tuple[type, ...], where: str
) -> Any:
    """Check the shape of a parsed value; BadResponse names where it went wrong."""
    if not isinstance(value, kind):
        got = "null" if value is None else type(value).__name__
        raise BadResponse(platform, response.status_code, f"{where} is {got}", "wrong shape")
    return value


def count(value: Any) -> int | None:
    """A count given as an int or a decimal string ("4821337"); None when absent or not a count."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def counts(
    platform: str, source: Mapping[str, Any], mapping: Mapping[str, str], status: int = 200
) -> dict[str, int]:
    """Pick platform fields into canonical metric names.

    A field that is absent or null stays absent (the platform did not give it); a field that
    is present but not a count is a BadResponse, never a 0.
    """
    out: dict[str, int] = {}
    for field_name, metric in mapping.items():
        raw = source.get(field_name)
        if raw is None:
            continue
        value = count(raw)
        if value is None:
            raise BadResponse(
                platform, status, f"{field_name}={str(raw)[:40]!r} is not a count", "wrong shape"
            )
        out[metric] = value
    return out


def check_status(platform: str, response: httpx.Response, body: Any, redact: Redactor | None = None) -> None:
    """Raise for an error status: 401 refuses the credentials, any other 4xx/5xx is a BadResponse."""
    status = response.status_code
    if status < 400:
        return
    message: Any = body
    if isinstance(body, dict):
        error = body.get("error")
        message = body.get("message") or (error.get("message") if isinstance(error, dict) else error) or body
    text = snippet(str(message), redact)
    if status == 401:
        raise AuthFailed(platform, f"credentials refused (HTTP 401): {text}")
    raise BadResponse(platform, status, text, "error answer")


def timestamp(value: Any) -> datetime | None:
    """An ISO-8601 time with a zone ("2025-05-12T09:31:08.512Z"); None when absent or naive."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


class Decoder:
    """The decoding helpers above bound to one platform and its redactor, so a collector writes
    `self.decode.answer(response, dict, "search answer")` instead of repeating the preamble."""

    def __init__(self, platform: str, redact: Redactor | None = None) -> None:
        self.platform = platform
        self.redact = redact

    def json(self, response: httpx.Response) -> Any:
        """The parsed JSON body, whatever the status (BadResponse when it is not JSON)."""
        return json_body(self.platform, response, self.redact)

    def check(self, response: httpx.Response, body: Any) -> None:
        """Raise for an error status (401: AuthFailed, other 4xx/5xx: BadResponse)."""
        check_status(self.platform, response, body, self.redact)

    def answer(self, response: httpx.Response, kind: type | tuple[type, ...], where: str) -> Any:
        """The body of a successful answer, of the expected JSON type: the common preamble."""
        body = self.json(response)
        self.check(response, body)
        return self.expect(response, body, kind, where)

    def expect(self, response: httpx.Response, value: Any, kind: type | tuple[type, ...], where: str) -> Any:
        return expect(self.platform, response, value, kind, where)

    def counts(
        self, response: httpx.Response, source: Mapping[str, Any], mapping: Mapping[str, str]
    ) -> dict[str, int]:
        return counts(self.platform, source, mapping, response.status_code)

    def bad(self, response: httpx.Response, detail: str, what: str) -> BadResponse:
        """A BadResponse about this answer (to raise)."""
        return BadResponse(self.platform, response.status_code, detail, what)

    def snippet(self, text: str) -> str:
        return snippet(text, self.redact)
