"""Credentials come only from environment variables and are wrapped so they never print.

`Secret` has a redacted repr/str; `Redactor` scrubs every known secret value (and
credential-looking query parameters) from any text bound for a log, an error or the store.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

from tracker.collector import Credential

REDACTED = "***"
# Query parameters that carry credentials on the platforms we speak to.
_SECRET_PARAMS = re.compile(
    r"(?i)\b(access_token|key|api_key|apikey|token|client_secret|password|bearer)=([^&\s\"']+)"
)
# X's app-only bearer tokens are percent-encoded ("...0%2BuSeid%2BULvsea..."), so "%" is a token character.
_AUTH_HEADER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=%-]{8,}")


class Secret:
    """A credential value; `str()` and `repr()` never show it, `.reveal()` does."""

    __slots__ = ("_value", "env")

    def __init__(self, value: str, env: str) -> None:
        self._value = value
        self.env = env

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret(env={self.env!r}, value={REDACTED!r})"

    __str__ = __repr__


def read_credentials(
    wanted: Iterable[Credential], env_names: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> tuple[dict[str, Secret], list[Credential]]:
    """Read each credential from its env var; return (present secrets, missing required ones)."""
    source = os.environ if environ is None else environ
    present: dict[str, Secret] = {}
    missing: list[Credential] = []
    for cred in wanted:
        env = env_names.get(cred.name, cred.env)
        value = source.get(env, "").strip()
        if value:
            present[cred.name] = Secret(value, env)
        elif cred.required:
            missing.append(cred)
    return present, missing


class Redactor:
    """Replaces known secret values and credential-shaped fragments with ***."""

    def __init__(self, secrets: Iterable[Secret] = ()) -> None:
        self._values: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[Secret]) -> None:
        for secret in secrets:
            value = secret.reveal()
            if len(value) >= 4:
                self._values.add(value)

    def __call__(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, REDACTED)
        text = _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
        return _AUTH_HEADER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
