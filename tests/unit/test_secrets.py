"""Credentials (tracker.secrets): read only from environment variables, never printed, and
scrubbed from anything bound for a log, an error or the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.collector import Credential
from tracker.secrets import REDACTED, Redactor, Secret, read_credentials

TOKEN = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI"

# --- Secret -------------------------------------------------------------------------------------


def test_secret_repr_and_str_are_redacted() -> None:
    secret = Secret(TOKEN, "X_BEARER_TOKEN")
    for shown in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr([secret]), repr({"t": secret})):
        assert TOKEN not in shown
        assert REDACTED in shown
    assert repr(secret) == "Secret(env='X_BEARER_TOKEN', value='***')"


def test_secret_reveals_its_value_only_when_asked() -> None:
    secret = Secret(TOKEN, "X_BEARER_TOKEN")
    assert secret.reveal() == TOKEN
    assert secret.env == "X_BEARER_TOKEN"
    assert not hasattr(secret, "__dict__")  # nothing for vars() or a debugger's dict view to show


# --- Redactor -----------------------------------------------------------------------------------


def test_redactor_scrubs_known_secret_values_anywhere() -> None:
    redact = Redactor([Secret(TOKEN, "X_BEARER_TOKEN"), Secret("client-secret-5678", "REDDIT_CLIENT_SECRET")])
    text = f'{{"token": "{TOKEN}", "note": "client-secret-5678 leaked twice: client-secret-5678"}}'
    assert redact(text) == '{"token": "***", "note": "*** leaked twice: ***"}'


def test_redactor_learns_secrets_added_later() -> None:
    redact = Redactor()
    assert redact("value s3cr3t-value") == "value s3cr3t-value"
    redact.add([Secret("s3cr3t-value", "ENV")])
    assert redact("value s3cr3t-value") == "value ***"


def test_redactor_replaces_the_longest_secret_first() -> None:
    redact = Redactor([Secret("abcd", "SHORT"), Secret("abcdefgh", "LONG")])
    assert redact("abcdefgh and abcd") == "*** and ***"


def test_redactor_ignores_values_too_short_to_be_secrets() -> None:
    redact = Redactor([Secret("abc", "TINY")])
    assert redact("abc abcdef") == "abc abcdef"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "GET /v21.0/?id=1&access_token=APP_ID%7CAPP_SECRET&fields=engagement",
            "GET /v21.0/?id=1&access_token=***&fields=engagement",
        ),
        (
            "GET /youtube/v3/videos?part=statistics&key=AIzaSyD-abc_123 HTTP/1.1",
            "GET /youtube/v3/videos?part=statistics&key=*** HTTP/1.1",
        ),
        ("https://example.com/feed?token=abc123", "https://example.com/feed?token=***"),
        (
            "?api_key=k1&apikey=k2&client_secret=k3&password=hunter22",
            "?api_key=***&apikey=***&client_secret=***&password=***",
        ),
        ("ACCESS_TOKEN=XYZ", "ACCESS_TOKEN=***"),
        ("url='https://x.example/?token=abc' next", "url='https://x.example/?token=***' next"),
    ],
)
def test_redactor_scrubs_credential_query_parameters(text: str, expected: str) -> None:
    assert Redactor()(text) == expected


def test_redactor_leaves_ordinary_parameters_alone() -> None:
    text = "GET /api/info.json?url=https%3A%2F%2Fnews.example.com%2F&raw_json=1&monkey=banana&keyword=drums"
    assert Redactor()(text) == text


def test_redactor_scrubs_the_facebook_sample_request(shared_dir: Path) -> None:
    meta = json.loads(
        (shared_dir / "api-samples/facebook/engagement_single.meta.json").read_text(encoding="utf-8")
    )
    redacted = Redactor()(meta["path_and_query"])
    assert "APP_SECRET" not in redacted and "access_token=***" in redacted
    assert "fields=engagement" in redacted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Authorization: Bearer {TOKEN}", "Authorization: Bearer ***"),
        (
            "authorization: bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nat_ure",
            "authorization: bearer ***",
        ),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic ***"),
        ("headers={'Authorization': 'Bearer xyz-token-123456'}", "headers={'Authorization': 'Bearer ***'}"),
    ],
)
def test_redactor_scrubs_authorization_headers(text: str, expected: str) -> None:
    assert Redactor()(text) == expected


def test_redacting_twice_changes_nothing_more() -> None:
    redact = Redactor([Secret(TOKEN, "X_BEARER_TOKEN")])
    once = redact(f"Bearer {TOKEN} ?access_token={TOKEN}&key=abc")
    assert redact(once) == once
    assert TOKEN not in once


# --- read_credentials ---------------------------------------------------------------------------

WANTED = (
    Credential("client_id", "REDDIT_CLIENT_ID", required=True),
    Credential("client_secret", "REDDIT_CLIENT_SECRET", required=True),
    Credential("username", "REDDIT_USERNAME", required=False),
)


def test_read_credentials_reads_the_default_env_names() -> None:
    present, missing = read_credentials(
        WANTED, {}, {"REDDIT_CLIENT_ID": "id-1234", "REDDIT_CLIENT_SECRET": "secret-5678", "OTHER": "x"}
    )
    assert set(present) == {"client_id", "client_secret"}
    assert present["client_id"].reveal() == "id-1234"
    assert present["client_secret"].env == "REDDIT_CLIENT_SECRET"
    assert missing == []


def test_read_credentials_follows_env_name_overrides() -> None:
    environ = {
        "REDDIT_CLIENT_ID": "default-id",
        "NEWSROOM_REDDIT_ID": "override-id",
        "REDDIT_CLIENT_SECRET": "s3cr",
    }
    present, missing = read_credentials(WANTED, {"client_id": "NEWSROOM_REDDIT_ID"}, environ)
    assert present["client_id"].reveal() == "override-id"
    assert present["client_id"].env == "NEWSROOM_REDDIT_ID"
    assert missing == []


def test_read_credentials_reports_missing_required_ones_only() -> None:
    present, missing = read_credentials(WANTED, {"client_id": "NOT_SET"}, {"REDDIT_CLIENT_ID": "ignored"})
    assert present == {}
    assert [c.name for c in missing] == ["client_id", "client_secret"]  # the optional username is not missing


def test_read_credentials_strips_whitespace_and_treats_blank_as_missing() -> None:
    present, missing = read_credentials(
        WANTED, {}, {"REDDIT_CLIENT_ID": "  id-1234\n", "REDDIT_CLIENT_SECRET": "   ", "REDDIT_USERNAME": ""}
    )
    assert present["client_id"].reveal() == "id-1234"
    assert [c.name for c in missing] == ["client_secret"]
    assert "username" not in present


def test_read_credentials_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDDIT_CLIENT_ID", "from-os-environ")
    monkeypatch.delenv("REDDIT_CLIENT_SECRET", raising=False)
    present, missing = read_credentials(WANTED, {})
    assert present["client_id"].reveal() == "from-os-environ"
    assert [c.name for c in missing] == ["client_secret"]


def test_read_credentials_never_exposes_values_in_repr() -> None:
    present, _ = read_credentials(WANTED, {}, {"REDDIT_CLIENT_ID": "id-1234", "REDDIT_CLIENT_SECRET": TOKEN})
    assert TOKEN not in repr(present) and "id-1234" not in repr(present)
