"""The exception tree. Every error the product raises on purpose is a TrackerError, so the
CLI can turn it into one line on stderr and a non-zero exit:

    TrackerError
    ├── ConfigError              bad TOML, unknown key, wrong type, missing credential
    ├── UnknownURL               a URL no collector and no site recognises
    ├── StoreBusy                another process owns the DuckDB file
    ├── StorageError
    │   └── MigrationError       an applied migration was edited or removed
    ├── QueryError               ad-hoc or named SQL failed, or was not read-only
    ├── ContractViolation        a collector broke the contract (unknown metric, non-int count);
    │                            a bug in that module, reported and never stored
    └── CollectorError           something went wrong talking to a platform
        ├── RateLimited          throttled; carries the time the platform may be asked again
        ├── AuthFailed           credentials refused; the platform is disabled
        ├── Unreachable          connection refused, DNS, timeouts after retries, 5xx after retries
        └── BadResponse          an answer that does not parse or has the wrong shape
"""

from __future__ import annotations

from datetime import datetime


class TrackerError(Exception):
    """Base of every deliberate error; its message is one line meant for a person."""


class ConfigError(TrackerError):
    pass


class UnknownURL(TrackerError):
    pass


class StoreBusy(TrackerError):
    pass


class StorageError(TrackerError):
    pass


class MigrationError(StorageError):
    pass


class QueryError(TrackerError):
    pass


class ContractViolation(TrackerError, ValueError):
    """A collector emitted what the contract forbids. Also a ValueError, as it always was."""


class CollectorError(TrackerError):
    def __init__(self, platform: str, message: str) -> None:
        super().__init__(f"{platform}: {message}")
        self.platform = platform


class RateLimited(CollectorError):
    """The platform (or our own budget for it) says: not before `retry_at` (UTC)."""

    def __init__(self, platform: str, retry_at: datetime, reason: str = "rate limited") -> None:
        super().__init__(platform, f"{reason}; retry at {retry_at.isoformat(timespec='seconds')}")
        self.retry_at = retry_at
        self.reason = reason


class AuthFailed(CollectorError):
    pass


class Unreachable(CollectorError):
    pass


class BadResponse(CollectorError):
    """An answer we cannot use. `snippet` is short and already redacted."""

    def __init__(self, platform: str, status: int, snippet: str, what: str = "unexpected answer") -> None:
        super().__init__(platform, f"{what} (HTTP {status}): {snippet}")
        self.status = status
        self.snippet = snippet
