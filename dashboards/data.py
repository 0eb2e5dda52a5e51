"""The dashboards' only door to the store: every number on a page, in the JSON API or in the
embed comes from a canned query in sql/queries, run with $named parameters bound (never formatted
in) and returned as a Polars frame.

Answers are cached for a few seconds (less than the page refresh), and concurrent misses of one
key share one computation (single-flight): when a news site's box is read by fifty readers at
the moment the cache expires, the store runs the query once, not fifty times.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from tracker.clock import Clock
from tracker.store import Store

# Window names editors pick, and the interval strings the queries cast (`cast($win as interval)`).
WINDOWS = {"1h": "1 hour", "6h": "6 hours", "24h": "24 hours", "7d": "7 days", "30d": "30 days"}
WINDOW_SPAN = {
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
DEFAULT_WINDOW = "24h"
MAX_LIMIT = 100


@dataclass(frozen=True)
class Filters:
    """What narrows a ranking; an empty string means "all"."""

    platform: str = ""
    site: str = ""
    section: str = ""
    author: str = ""


@dataclass(frozen=True)
class Result:
    """A query's rows and the time they were computed for (the end of every window)."""

    rows: pl.DataFrame
    as_of: datetime


class _Flight:
    """One computation in progress; later callers of the same key wait for its result."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Result | None = None
        self.error: BaseException | None = None


class Data:
    """Named queries over one store, with a short time-to-live cache per (query, parameters)."""

    def __init__(self, store: Store, clock: Clock | None = None, ttl_s: float = 1.0) -> None:
        self.store = store
        self.clock = clock
        self.ttl_s = ttl_s
        self.queries: Counter[str] = (
            Counter()
        )  # queries that reached the store, by name (for tests and bench)
        self._cache: dict[tuple[Any, ...], tuple[float, Result]] = {}
        self._flights: dict[tuple[Any, ...], _Flight] = {}
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The ranking time: the injected clock's, or the wall clock (what SQL `now()` would say)."""
        return self.clock.now() if self.clock else datetime.now(UTC)

    def _cached(self, key: tuple[Any, ...], compute: Callable[[datetime], pl.DataFrame]) -> Result:
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] > time.monotonic():
                return hit[1]
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            assert flight.result is not None
            return flight.result
        try:
            as_of = self.now()
            with self._lock:
                self.queries[str(key[0])] += 1
            flight.result = Result(compute(as_of), as_of)
            if self.ttl_s > 0:
                with self._lock:
                    self._cache[key] = (time.monotonic() + self.ttl_s, flight.result)
            return flight.result
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def _named(self, name: str, **params: Any) -> Result:
        """Run a query that ranks relative to `as_of`; the current time is bound on a cache miss."""
        key = (name, *sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
        return self._cached(key, lambda as_of: self.store.named(name, as_of=as_of, **params))

    def _plain(self, name: str, **params: Any) -> pl.DataFrame:
        """Run a query that takes no ranking time."""
        key = (name, *sorted(params.items()))
        return self._cached(key, lambda _: self.store.named(name, **params)).rows

    def ranking(
        self, window: str = DEFAULT_WINDOW, filters: Filters = Filters(), limit: int = 10, shift_s: int = 0
    ) -> Result:
        """Articles ranked by interactions gained in the window, filtered (page, box and embed).

        `shift_s` ranks as of that many seconds earlier (the page's rank change); it is a whole
        number of seconds so it can be part of the cache key.
        """
        params = dict(
            win=WINDOWS[window],
            platform=filters.platform,
            site=filters.site,
            section=filters.section,
            author=filters.author,
            limit=limit,
        )
        if not shift_s:
            return self._named("ranking", **params)
        key = ("ranking", shift_s, *sorted(params.items()))
        return self._cached(
            key,
            lambda as_of: self.store.named("ranking", as_of=as_of - timedelta(seconds=shift_s), **params),
        )

    def most_popular(self, window: str = DEFAULT_WINDOW, platform: str = "", limit: int = 10) -> Result:
        """The ranking on all platforms or one, without the other filters."""
        return self.ranking(window, Filters(platform), limit)

    def ranking_inputs(self, window: str, platform: str, article_ids: Sequence[int]) -> Result:
        """Per article, platform and metric: what it gained in the window and its total."""
        return self._named(
            "ranking_inputs",
            win=WINDOWS[window],
            platform=platform,
            article_ids=[int(a) for a in article_ids],
        )

    def facets(self) -> pl.DataFrame:
        """Sites, sections and authors of tracked articles (the filters' choices)."""
        return self._plain("facets")

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
        return self._plain("article_detail", article_id=article_id)

    def article_series(self, article_id: int) -> pl.DataFrame:
        """Every metric of one article per platform over time."""
        return self._plain("article_series", article_id=article_id)

    def article_timeline(self, article_id: int, metric: str) -> pl.DataFrame:
        """One article's cumulative `metric` ('interactions' or a metric name) per platform."""
        return self._plain("article_timeline", article_id=article_id, metric=metric)

    def article_hourly(self, article_id: int, metric: str) -> pl.DataFrame:
        """What one article gained per platform in each clock hour."""
        return self._plain("article_hourly", article_id=article_id, metric=metric)

    def article_posts(self, article_id: int) -> pl.DataFrame:
        """The posts sharing one article with their own latest counts."""
        return self._plain("article_posts", article_id=article_id)

    def health(self) -> pl.DataFrame:
        """Collector health, one row per platform; its state (blocked, off, ...) as of the ranking time."""
        return self._named("health").rows

    def platforms(self) -> list[str]:
        """Platforms with posts sharing a tracked article (the platform filter's choices)."""
        return [str(p) for p in self._plain("platforms")["platform"]]
