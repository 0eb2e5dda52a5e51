"""Each platform's colour, the same on every chart and chip. The lookup is one function
(`platform_color`), so the colours can later come from the collector registry without touching
the pages."""

from __future__ import annotations

import re

PLATFORM_COLORS = {
    "hackernews": "#f2a900",  # amber, so it stays apart from reddit's orange-red
    "reddit": "#ff4500",
    "bluesky": "#4aa8ff",  # sky blue, apart from facebook's navy
    "mastodon": "#6364ff",
    "youtube": "#cc0000",
    "facebook": "#0b3d91",
    "x": "#111111",
}
_FALLBACK = ("#4c78a8", "#72b7b2", "#54a24b", "#b279a2", "#9d755d", "#bab0ac")
_SAFE = re.compile(r"[^a-z0-9_-]")


def platform_color(platform: str) -> str:
    """A fixed colour per known platform; unknown ones get a stable fallback."""
    if platform in PLATFORM_COLORS:
        return PLATFORM_COLORS[platform]
    return _FALLBACK[sum(map(ord, platform)) % len(_FALLBACK)]


def platform_chip_class(platform: str) -> str:
    """The CSS class of a platform's chip (style.css tints the known ones)."""
    return "chip-" + _SAFE.sub("", platform.lower())
