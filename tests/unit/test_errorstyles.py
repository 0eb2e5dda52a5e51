"""Each platform's error dialect, read at the HTTP seam: what a refusal in an error body means
(throttled, quota spent, credentials refused), and that other errors and other styles are left
to the collector's decoder."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tracker.errorstyles import read_refusal
from tracker.secrets import Redactor, Secret


def google_error(status: int, reason: str, message: str = "") -> httpx.Response:
    body = {"error": {"code": status, "message": message or reason, "errors": [{"reason": reason}]}}
    return httpx.Response(status, json=body)


@pytest.mark.parametrize("reason", ["quotaExceeded", "dailyLimitExceeded"])
def test_google_quota_reasons_spend_the_day(reason):
    refusal = read_refusal("google", google_error(403, reason))
    assert refusal is not None and refusal.kind == "quota" and "quotaExceeded" in refusal.detail


def test_google_rate_reasons_back_off_a_minute():
    refusal = read_refusal("google", google_error(403, "userRateLimitExceeded"))
    assert refusal is not None and refusal.kind == "throttled"
    assert refusal.backoff == timedelta(seconds=60)


def test_google_key_refusal_names_the_variable_and_redacts_the_message():
    key = "AIzaSy-secret-key-000"
    response = google_error(400, "badRequest", f"API key not valid: {key}")
    refusal = read_refusal("google", response, "YOUTUBE_API_KEY", Redactor([Secret(key, "YOUTUBE_API_KEY")]))
    assert refusal is not None and refusal.kind == "auth"
    assert refusal.detail.startswith("YOUTUBE_API_KEY refused (HTTP 400): API key not valid")
    assert key not in refusal.detail


def test_x_403_is_an_auth_refusal_with_the_problem_detail():
    response = httpx.Response(403, json={"title": "Forbidden", "detail": "client-not-enrolled"})
    refusal = read_refusal("x", response, "X_BEARER_TOKEN")
    assert refusal is not None and refusal.kind == "auth"
    assert refusal.detail == "X_BEARER_TOKEN not allowed to read posts (HTTP 403): client-not-enrolled"


@pytest.mark.parametrize(
    ("style", "response"),
    [
        ("plain", httpx.Response(403, json={"error": {"code": 4}})),
        ("facebook", httpx.Response(200, json={"error": {"code": 4}})),  # not an error answer
        ("google", google_error(404, "notFound")),
        ("google", httpx.Response(403, content=b"<html>forbidden</html>")),
        ("x", httpx.Response(401, json={"title": "Unauthorized"})),  # the decoder's AuthFailed
    ],
)
def test_other_answers_are_left_to_the_collector(style, response):
    assert read_refusal(style, response) is None
