"""Time windows as editors write them: 15m, 1h, 6h, 24h, 7d."""

from __future__ import annotations

import re
from datetime import timedelta

from tracker.errors import TrackerError

_WINDOW = re.compile(r"^\s*(\d+)\s*(m|min|h|hour|hours|d|day|days)\s*$", re.I)
_UNITS = {
    "m": "minutes",
    "min": "minutes",
    "h": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
}
MAX_WINDOW = timedelta(days=365)


def parse_window(text: str) -> timedelta:
    match = _WINDOW.match(text)
    if not match:
        raise TrackerError(f"bad window {text!r}; use a number and a unit, e.g. 15m, 1h, 24h or 7d")
    window = timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})
    if not timedelta(0) < window <= MAX_WINDOW:
        raise TrackerError(f"window {text!r} must be between 1 minute and 365 days")
    return window
