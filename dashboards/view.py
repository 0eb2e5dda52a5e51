"""Every page's state as a query string, so a copied link reproduces the view and the browser's
back and forward buttons walk through the choices: `/?window=1h&platform=reddit&sort=-age`.

`parse(page, search)` reads a query string into a `View` (unknown names and bad values fall back
to the page's defaults, so an old or hand-edited link still opens); `View.search()` writes it back,
leaving out defaults so links stay short.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dashboards.data import DEFAULT_WINDOW, WINDOWS

SCALES = ("share", "log", "linear")  # Trending chart: % of each story's hour, log or linear axis
ARTICLE_VIEWS = ("cumulative", "hourly")
FILTER_KEYS = ("platform", "site", "section", "author")

# Each page's keys and defaults; "" means unset. `tz` (display time zone) is on every page.
DEFAULTS: dict[str, dict[str, str]] = {
    "most_popular": {"window": DEFAULT_WINDOW, **dict.fromkeys(FILTER_KEYS, ""), "sort": "", "tz": ""},
    "trending": {"platform": "", "scale": "share", "sort": "", "tz": ""},
    "article": {"metric": "interactions", "view": "cumulative", "sort": "", "tz": ""},
    "health": {"sort": "", "tz": ""},
    "not_found": {"tz": ""},
}
_CHOICES = {"window": tuple(WINDOWS), "scale": SCALES, "view": ARTICLE_VIEWS}
MAX_VALUE = 200  # longer values are not filters anyone typed


def valid_zone(name: str) -> bool:
    """True for an IANA zone name such as Europe/Paris or UTC."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class View:
    page: str
    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str:
        return self.values.get(key, DEFAULTS[self.page].get(key, ""))

    def with_(self, **changes: str | None) -> View:
        merged = dict(self.values)
        for key, value in changes.items():
            merged[key] = value or ""
        return replace(self, values=merged)

    def search(self) -> str:
        """'?window=1h&platform=reddit', or '' when everything is at its default."""
        defaults = DEFAULTS[self.page]
        pairs = [(k, self.values[k]) for k in defaults if self.values.get(k, defaults[k]) != defaults[k]]
        return "?" + urlencode(pairs) if pairs else ""

    def sort_key(self) -> tuple[str, bool]:
        """('age', True) for sort=-age: the column key and whether it is descending."""
        raw = self.get("sort")
        return (raw[1:], True) if raw.startswith("-") else (raw, False)


def parse(page: str, search: str | None) -> View:
    """The page's view from a query string; anything unknown or invalid is ignored."""
    defaults = DEFAULTS.get(page, {})
    values: dict[str, str] = {}
    for key, value in parse_qsl((search or "").lstrip("?"), keep_blank_values=False):
        if key not in defaults or len(value) > MAX_VALUE:
            continue
        if key in _CHOICES and value not in _CHOICES[key]:
            continue
        if key == "tz" and not valid_zone(value):
            continue
        values[key] = value
    return View(page if page in DEFAULTS else "not_found", values)


def changed_search(page: str, rendered: str | None, **changes: str | None) -> str | None:
    """The query string after a control changed the view, or None when the controls still show
    the view they were rendered from (`rendered`, components.rendered_view): controls re-rendered
    from the URL (back, forward, a copied link) report their values again, and pushing them
    would add a history entry that back then "undoes" nothing, or, for a layout that arrives
    after a later back, one that cuts the history short."""
    current = parse(page, rendered)
    after = current.with_(**changes).search()
    return None if after == current.search() else after


@dataclass(frozen=True)
class Ctx:
    """What a page renders from: its view (from the URL), the display time zone and its path."""

    view: View
    tz: ZoneInfo
    tz_name: str
    pathname: str

    def href(self, **changes: str | None) -> str:
        """This page's URL with some of its state changed."""
        return self.pathname + self.view.with_(**changes).search()
