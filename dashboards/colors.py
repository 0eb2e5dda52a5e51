"""Each platform's colour, the same on every chart and chip: the `COLOR` its collector module
declares (the registry is the one list of platforms), behind one lookup, `platform_color`."""

from __future__ import annotations

import functools
import re

_FALLBACK = ("#4c78a8", "#72b7b2", "#54a24b", "#b279a2", "#9d755d", "#bab0ac")
_SAFE = re.compile(r"[^a-z0-9_-]")


@functools.cache
def platform_colors() -> dict[str, str]:
    """Each registered platform's COLOR, as its collector module declares it."""
    from tracker.registry import load

    return {name: p.color for name, p in load().items() if p.color}


def platform_color(platform: str) -> str:
    """A fixed colour per known platform; unknown ones get a stable fallback."""
    colors = platform_colors()
    if platform in colors:
        return colors[platform]
    return _FALLBACK[sum(map(ord, platform)) % len(_FALLBACK)]


def platform_chip_class(platform: str) -> str:
    """The CSS class of a platform's chip (style.css tints the known ones)."""
    return "chip-" + _SAFE.sub("", platform.lower())
