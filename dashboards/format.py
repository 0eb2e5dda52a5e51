"""How numbers and times read on the dashboards: thousands separators, clock times in the display
time zone (named on every time), and "5 min ago" relative to the ranking time, so every page words
them the same way."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def count(value: int | float | None) -> str:
    """1155 -> '1,155'; a missing count is a dash, never 0."""
    return "–" if value is None else f"{int(value):,}"


def percent(ratio: float | None) -> str:
    """0.5 -> '50%'; small rates keep a decimal (0.004 -> '0.4%'); 0 -> '0%'."""
    if ratio is None:
        return "–"
    return f"{ratio:.1%}" if 0 < ratio < 0.1 else f"{ratio:.0%}"


def clock_time(at: datetime | None, tz: tzinfo = UTC) -> str:
    """'21:14:47 UTC' (or '22:14:47 CET' in Europe/Paris)."""
    return "–" if at is None else at.astimezone(tz).strftime("%H:%M:%S %Z")


def when(at: datetime | None, tz: tzinfo = UTC) -> str:
    """'23 Nov 21:14 UTC'."""
    return "–" if at is None else at.astimezone(tz).strftime("%d %b %H:%M %Z").lstrip("0")


def ago(at: datetime | None, now: datetime) -> str:
    """'just now', '12 s ago', '5 min ago', '3 h ago', '2 d ago', or 'in 4 min' for future times."""
    if at is None:
        return "never"
    seconds = (now - at).total_seconds()
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 5:
        return "just now"
    text = duration(seconds)
    return f"in {text}" if future else f"{text} ago"


def duration(seconds: float) -> str:
    """12 -> '12 s', 300 -> '5 min', 7200 -> '2 h', 90000 -> '1 d'."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min"
    if seconds < 86400:
        return f"{seconds // 3600:.0f} h"
    return f"{seconds // 86400:.0f} d"


def iso(at: datetime | None) -> str | None:
    """'2026-11-20T12:00:00Z' for JSON."""
    return None if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def rate(per_hour: float | None) -> str:
    """1234.5 -> '1,235/h'; a missing rate is a dash."""
    return "–" if per_hour is None else f"{per_hour:,.0f}/h"


def signed_rate(per_hour: float | None) -> str:
    """Acceleration: 800 -> '+800/h', -12.4 -> '−12/h'."""
    if per_hour is None:
        return "–"
    return f"+{per_hour:,.0f}/h" if per_hour >= 0 else f"−{-per_hour:,.0f}/h"


def factor(value: float | None) -> str:
    """A multiplier: 2.345 -> '×2.3', 0.0412 -> '×0.041'."""
    if value is None:
        return "–"
    return f"×{value:,.1f}" if value >= 1 else f"×{value:.2g}"


def hours(value: float | None) -> str:
    """An age in hours: 0.5 -> '30 min', 26.0 -> '1 d'."""
    return "–" if value is None else duration(value * 3600)


def score(value: float | None) -> str:
    """A score: 1749.2 -> '1,749', 20.01 -> '20', 0.0123 -> '0.0123' (three significant digits)."""
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
