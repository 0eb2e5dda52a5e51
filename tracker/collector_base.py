"""The one constructor every collector shares: it keeps the four things the framework hands
over (the platform's HTTP seam, its Settings, its credentials, the clock) and a decoder bound
to the platform, then calls `connect()`, where a module asks the seam for its clients.

A collector module subclasses `CollectorBase[Settings]` and writes `connect()` (no I/O: clients
only), `identify()` and `sample()`; it never writes `__init__`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

from tracker.clock import Clock
from tracker.decode import Decoder
from tracker.http import PlatformHTTP
from tracker.secrets import Redactor, Secret

SettingsT = TypeVar("SettingsT")


class CollectorBase(Generic[SettingsT]):
    """Shared state of a collector instance; subclasses override `connect()`."""

    def __init__(
        self, http: PlatformHTTP, settings: SettingsT, credentials: Mapping[str, Secret], clock: Clock
    ) -> None:
        self.http = http
        self.settings = settings
        self.credentials = credentials
        self.clock = clock
        self.redact: Redactor = http.redact
        self.decode = Decoder(http.platform, http.redact)
        self.connect()

    def connect(self) -> None:
        """Build the platform's clients with `self.http.client(...)`; must not send a request."""
