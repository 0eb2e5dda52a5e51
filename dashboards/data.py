"""The dashboards' only door to the store: every number on a page or in the JSON API comes from
a canned query in sql/queries, run with $named parameters and returned as a Polars frame.

Answers are cached for a few seconds (less than the page refresh), so the table, the chart and
many readers of the site's Most Popular box polling at once cost one query, not one each.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl

from tracker.clock import Clock
from tracker.store import Store

# Window names editors pick, and the interval strings the queries cast (`cast($win as interval)`).
WINDOWS = {"1h": "1 hour", "6h": "6 hours", "24h": "24 hours", "7d": "7 days"}
DEFAULT_WINDOW = "24h"
MAX_LIMIT = 100


@dataclass(frozen=True)
class Result:
    """A query's rows and the time they were computed for (the end of every window)."""

    rows: pl.DataFrame
    as_of: datetime


class Data:
    """Named queries over one store, with a short time-to-live cache per (query, parameters)."""

    def __init__(self, store: Store, clock: Clock | None = None, ttl_s: float = 1.0) -> None:
        self.store = store
        self.clock = clock
        self.ttl_s = ttl_s
        self._cache: dict[tuple[Any, ...], tuple[float, Result]] = {}
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The ranking time: the injected clock's, or the wall clock (what SQL `now()` would say)."""
        return self.clock.now() if self.clock else datetime.now(UTC)

    def _cached(self, key: tuple[Any, ...], compute: Callable[[datetime], pl.DataFrame]) -> Result:
        if self.ttl_s > 0:
            with self._lock:
                hit = self._cache.get(key)
            if hit and hit[0] > time.monotonic():
                return hit[1]
        as_of = self.now()
        result = Result(compute(as_of), as_of)
        if self.ttl_s > 0:
            with self._lock:
                self._cache[key] = (time.monotonic() + self.ttl_s, result)
        return result

    def _named(self, name: str, **params: Any) -> Result:
        """Run a query that ranks relative to `as_of`; the current time is bound on a cache miss."""
        key = (name, *sorted(params.items()))
        return self._cached(key, lambda as_of: self.store.named(name, as_of=as_of, **params))

    def most_popular(self, window: str = DEFAULT_WINDOW, platform: str = "", limit: int = 10) -> Result:
        """Articles ranked by interactions gained in the window (the page and the JSON API)."""
        return self._named("most_popular", win=WINDOWS[window], platform=platform, limit=limit)

    def platform_breakdown(self, window: str = DEFAULT_WINDOW, platform: str = "", limit: int = 10) -> Result:
        """Interactions gained per platform by each of the most popular articles."""
        return self._named("platform_breakdown", win=WINDOWS[window], platform=platform, limit=limit)

    def trending(self, platform: str = "", limit: int = 10) -> Result:
        """Articles ranked by interactions gained in the last hour."""
        return self._named("trending_now", platform=platform, limit=limit)

    def trending_series(self, platform: str = "", limit: int = 5) -> Result:
        """Interactions gained since the hour began, every 5 minutes, for the top trending articles."""
        return self._named("trending_series", platform=platform, limit=limit)

    def freshness(self) -> Result:
        """One row: the newest observation in the store (`latest_sample_at`, null when empty)."""
        return self._named("freshness")

    def article(self, article_id: int) -> pl.DataFrame:
        """One article with its latest totals; no rows when the id is unknown."""
        key = ("article_detail", article_id)
        return self._cached(key, lambda _: self.store.named("article_detail", article_id=article_id)).rows

    def article_series(self, article_id: int) -> pl.DataFrame:
        """Every metric of one article per platform over time."""
        key = ("article_series", article_id)
        return self._cached(key, lambda _: self.store.named("article_series", article_id=article_id)).rows

    def health(self) -> pl.DataFrame:
        """Collector health, one row per platform; its state (blocked, off, ...) as of the ranking time."""
        return self._named("health").rows

    def platforms(self) -> list[str]:
        """Platforms with posts sharing a tracked article (the platform filter's choices)."""
        rows = self._cached(("platforms",), lambda _: self.store.named("platforms")).rows
        return [str(p) for p in rows["platform"]]
