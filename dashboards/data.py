"""The dashboards' only door to the store: every number on a page, in the JSON API or in the
embed comes from a canned query in sql/queries, run with $named parameters bound (never formatted
in) and returned as a Polars frame.

Answers are computed once per refresh tick: the cache key is (query, parameters, tick), a tick
being `ttl_s` seconds of the wall clock (the dashboards' refresh interval), so every page, callback,
JSON reader and embed asking the same question within one refresh shares one result, and entries
of past ticks are dropped. Concurrent misses of one key share one computation (single-flight):
when a news site's box is read by fifty readers at the moment a tick begins, the store runs the
query once, not fifty times.

Stale while revalidate: what readers look at is a *view* (`Data.view`: a page's data part, the
box's ranking), recorded with the tick it was last asked in. When a tick begins, a background
warmer (`dashboards.warmer`) replays the views asked in the last WARM_TICKS ticks, one at a
time, computing their queries for the new tick into a staging area and publishing each view's
answers together once it is complete (a new ranking never meets its predecessor's inputs). Until
then readers get the previous tick's answers at once (at most MAX_STALE_TICKS old), and the
badge says how old they are. A view nobody asked for is computed on its reader's click, as
before; views and answers nobody asked for lately are forgotten, and both are capped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import polars as pl

from tracker.clock import Clock
from tracker.store import Store

log = logging.getLogger("tracker.dashboards")
T = TypeVar("T")

# Window names editors pick, and the interval strings the queries cast (`cast($win as interval)`).
WINDOWS = {"1h": "1 hour", "6h": "6 hours", "24h": "24 hours", "7d": "7 days", "30d": "30 days"}
WINDOW_SPAN = {
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
# The step of each window's sparkline (about 12 to 30 points).
SPARK_STEP = {"1h": "5 minutes", "6h": "15 minutes", "24h": "1 hour", "7d": "6 hours", "30d": "1 day"}
DEFAULT_WINDOW = "24h"
RISING_FACTOR = 2.0  # a story rises while its short velocity is at least this times its long one
MAX_LIMIT = 100
# A ranking "as of a while ago" (the rank change) is read as of a moment on a grid of this
# fraction of the shift, so it is the same question, computed once, for every refresh until the
# grid moves on: the rank change compares with between shift and shift x (1 + 1/6) ago.
PINNED_GRID = 6
PINNED = -2  # the cache's tick for a result as of a fixed moment (valid across ticks)
HEADS = 256  # shortened rankings kept (the box's and the page's cuts of one computation)
PINNED_KEEP = timedelta(days=2)  # longer than the longest shift (a day) plus its grid step
WARM_TICKS = 2  # the warmer replays views asked in this many past ticks (a reader's timer jitters)
MAX_STALE_TICKS = 2  # an answer older than this many ticks is not shown: its reader computes it,
MAX_BEHIND_TICKS = 10  # unless a warmer pass is under way (slower than a tick): then up to this
MAX_VIEWS = 64  # views the warmer keeps (the least recently asked go first)
MAX_ENTRIES = 1024  # answers kept (those of past ticks go first, then the least recently asked)


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


@dataclass
class _Entry:
    """A cached answer: the tick it was computed for, whether a warmed view uses it (so it may
    be shown while the warmer recomputes it), when it was computed and last asked."""

    result: Result
    tick: int
    warm: bool
    computed_at: float  # time.time()
    asked: int  # the last tick a reader asked for it


@dataclass
class _View:
    """What a reader looks at, replayable by the warmer: `read(data)` asks all its queries."""

    read: Callable[[Data], Any]
    asked: int  # the last tick a reader asked for it
    ran: int  # the last tick it was computed for (by its reader or the warmer)
    keys: set[tuple[Any, ...]] = field(default_factory=set)  # the answers its last run asked for
    kept: bool = False  # a default view (`keep_warm`): warmed even while nobody asks for it


@dataclass(frozen=True)
class Served:
    """How old the answers one view call showed are: `stale` when any was of an earlier tick
    (the warmer is recomputing it), and then the wall-clock time the oldest such was computed."""

    stale: bool = False
    computed_at: float | None = None


@dataclass
class _Reading:
    """A thread's current view call (or warmer replay) and the answers it was given."""

    warming: bool = False
    in_view: bool = False
    staged: set[tuple[Any, ...]] = field(default_factory=set)
    keys: set[tuple[Any, ...]] = field(default_factory=set)  # every answer asked for
    stale: bool = False
    oldest: float | None = None  # when the oldest stale answer was computed
    computed_at: float | None = None  # when the oldest answer (stale or not, not pinned) was


class _Flight:
    """One computation in progress; later callers of the same key wait for its result."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Result | None = None
        self.error: BaseException | None = None


class Data:
    """Named queries over one store, each computed once per (query, parameters, refresh tick).

    `ttl_s` is the tick's length (0: never cached); a result lives until its tick ends, or
    MAX_STALE_TICKS longer when a warmed view uses it. `warm_in_background` starts the warmer
    thread with the first view asked (off: the warmer runs only when `warm()` is called, as
    tests do to drive it tick by tick).
    """

    def __init__(
        self, store: Store, clock: Clock | None = None, ttl_s: float = 1.0, warm_in_background: bool = False
    ) -> None:
        self.store = store
        self.clock = clock
        self.ttl_s = ttl_s
        self.warm_in_background = warm_in_background and ttl_s > 0
        self.queries: Counter[str] = (
            Counter()
        )  # queries that reached the store, by name (for tests and bench)
        self.seconds: defaultdict[str, float] = defaultdict(float)  # computing time by query name (bench)
        self.warm_passes = 0  # warmer passes done (tests and bench wait on it)
        self.reader_queries: Counter[str] = Counter()  # those of `queries` a reader waited for
        self._cache: dict[tuple[Any, ...], _Entry] = {}
        self._staged: dict[tuple[Any, ...], _Entry] = {}  # the warmer's answers not yet published
        self._views: dict[Hashable, _View] = {}
        self._failing: dict[Hashable, str] = {}  # views whose last replay failed, with the error logged
        self._flights: dict[tuple[Any, ...], _Flight] = {}
        self._heads: dict[tuple[int, int], tuple[Result, Result]] = {}  # (result, limit) -> its head
        self._lock = threading.Lock()
        self._local = threading.local()
        self._warmer: Any = None  # the dashboards.warmer.Warmer thread while views are being asked
        self._passing = False  # a warmer pass is under way
        self._behind = False  # the last pass ended ticks after it began (until the next begins)
        self._closed = False

    def now(self) -> datetime:
        """The ranking time: the injected clock's, or the wall clock (what SQL `now()` would say)."""
        return self.clock.now() if self.clock else datetime.now(UTC)

    def _head(self, result: Result, limit: int) -> Result:
        """The first `limit` rows of a cached result: the same object for every caller of one
        result, as a cache hit is (at most HEADS kept; older ones are dropped all at once)."""
        with self._lock:
            hit = self._heads.get((id(result), limit))
            if hit is not None and hit[0] is result:
                return hit[1]
            head = Result(result.rows.head(limit), result.as_of)
            if len(self._heads) >= HEADS:
                self._heads.clear()
            self._heads[(id(result), limit)] = (result, head)
            return head

    def pinned_moment(self, shift_s: int) -> datetime:
        """`shift_s` seconds ago, rounded down to a grid of shift_s / PINNED_GRID: the same moment
        for every refresh until the grid moves on (so a past ranking is computed once per step,
        not once per refresh)."""
        step = max(shift_s // PINNED_GRID, 1)
        moment = int((self.now() - timedelta(seconds=shift_s)).timestamp())
        return datetime.fromtimestamp(moment - moment % step, UTC)

    def tick(self) -> int:
        """The current refresh tick: the wall clock's seconds divided by the tick length."""
        return int(time.time() // self.ttl_s) if self.ttl_s > 0 else -1

    def _reading(self) -> _Reading:
        reading: _Reading | None = getattr(self._local, "reading", None)
        return reading if reading is not None else _Reading()

    def _shown(self, reading: _Reading, entry: _Entry, stale: bool) -> Result:
        """Note what a view call was given (for its badge: whether any answer is of an earlier
        tick, and when the oldest such was computed) and hand the answer over."""
        if entry.tick != PINNED and (reading.computed_at is None or entry.computed_at < reading.computed_at):
            reading.computed_at = entry.computed_at
        if stale:
            reading.stale = True
            if reading.oldest is None or entry.computed_at < reading.oldest:
                reading.oldest = entry.computed_at
        return entry.result

    def _cached(
        self,
        key: tuple[Any, ...],
        compute: Callable[[datetime], pl.DataFrame],
        pinned_at: datetime | None = None,
    ) -> Result:
        """The result of `key` in this tick, computing it once however many callers ask.

        A reader is given, in this order: this tick's answer; the answer of an earlier tick
        (at most MAX_STALE_TICKS) that a warmed view uses, which the warmer is recomputing;
        the warmer's staged answer of this tick; a computation in flight; a computation of its
        own. The warmer (`warm`) skips the second: it computes this tick's answer and stages it.

        With `pinned_at` the result is as of that fixed moment, so it stays valid across ticks
        (kept until it is older than PINNED_KEEP) instead of ending with the tick."""
        reading = self._reading()
        current = self.tick()
        tick = current if pinned_at is None else PINNED
        reading.keys.add(key)
        with self._lock:
            entry = self._cache.get(key) if self.ttl_s > 0 else None
            if entry is not None:
                if not reading.warming:
                    entry.asked = max(entry.asked, current)
                recomputing = entry.warm  # a warmed view uses it: the warmer recomputes it
                entry.warm = entry.warm or reading.in_view
                if entry.tick == tick:
                    return self._shown(reading, entry, stale=False)
                if (
                    not reading.warming
                    and recomputing
                    and tick != PINNED
                    and 0 < tick - entry.tick <= self._stale_limit()
                ):
                    return self._shown(reading, entry, stale=True)
            staged = self._staged.get(key)
            if staged is not None and staged.tick == tick:
                if reading.warming:
                    reading.staged.add(key)
                return self._shown(reading, staged, stale=False)
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
            as_of = pinned_at or self.now()
            with self._lock:
                self.queries[str(key[0])] += 1
                if not reading.warming:
                    self.reader_queries[str(key[0])] += 1
            started = time.perf_counter()
            flight.result = Result(compute(as_of), as_of)
            with self._lock:
                self.seconds[str(key[0])] += time.perf_counter() - started
            if self.ttl_s > 0:
                made = _Entry(flight.result, tick, reading.in_view, time.time(), current)
                with self._lock:
                    if reading.warming:
                        self._staged[key] = made
                        reading.staged.add(key)
                    else:
                        self._keep(key, made, current)
                self._shown(reading, made, stale=False)
            return flight.result
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def _keep(self, key: tuple[Any, ...], entry: _Entry, current: int) -> None:
        """Cache `entry` (under the lock), first dropping answers too old to show: those of ticks
        before MAX_STALE_TICKS, pinned ones older than PINNED_KEEP, then the least recently
        asked beyond MAX_ENTRIES."""
        oldest = self.now() - PINNED_KEEP
        for old in [
            k
            for k, e in self._cache.items()
            if (e.tick != PINNED and current - e.tick > MAX_BEHIND_TICKS)
            or (e.tick == PINNED and e.result.as_of < oldest)
        ]:
            del self._cache[old]
        self._cache[key] = entry
        if len(self._cache) > MAX_ENTRIES:
            by_age = sorted(self._cache, key=lambda k: self._cache[k].asked)
            for old in by_age[: len(self._cache) - MAX_ENTRIES]:
                del self._cache[old]

    def view(self, key: Hashable, read: Callable[[Data], T]) -> tuple[T, Served]:
        """`read(self)` as a reader's view `key` (a page's data part, the box's ranking): its
        answers may be the previous tick's while the warmer recomputes them, and the warmer
        replays it at the next ticks while readers keep asking for it. Returns what `read`
        returned and how old its answers are."""
        if self.ttl_s <= 0 or self._closed:
            return read(self), Served()
        current = self.tick()
        with self._lock:
            seen = self._views.pop(key, None)  # re-inserted last: the dict is in order of asking
            view = seen or _View(read, current, current - 1)
            view.kept = view.kept or bool(seen and seen.kept)
            view.read, view.asked = read, max(view.asked, current)
            self._views[key] = view
            self._cap_views()
            if self.warm_in_background and self._warmer is None and not self.store.closed:
                from dashboards.warmer import Warmer

                self._warmer = Warmer(self).start()
        outer = getattr(self._local, "reading", None)
        reading = self._local.reading = _Reading(in_view=True)
        try:
            value = read(self)
        finally:
            self._local.reading = outer
        served = Served(reading.stale, reading.oldest)
        with self._lock:
            view.keys = reading.keys
            if not reading.stale:
                view.ran = max(view.ran, current)
        return value, served

    def _stale_limit(self) -> int:
        """How many ticks old an answer may be shown (under the lock): MAX_STALE_TICKS, or
        MAX_BEHIND_TICKS while a warmer pass is under way or the last one ended ticks after it
        began (on a starved machine a pass can outlast a tick; its readers should not all compute
        what it is computing, nor, once it published answers already that old, what the next
        pass will compute: an article's trending line waited seconds for the ranking)."""
        return MAX_BEHIND_TICKS if self._passing or self._behind else MAX_STALE_TICKS

    def _cap_views(self) -> None:
        """Drop the least recently asked views beyond MAX_VIEWS (default views stay)."""
        for key in [k for k, v in self._views.items() if not v.kept][: max(len(self._views) - MAX_VIEWS, 0)]:
            del self._views[key]

    def keep_warm(self, key: Hashable, read: Callable[[Data], Any]) -> None:
        """Warm the view `key` at every tick whether or not anyone asks for it (a page's default
        view: the first editor to open it gets it at once). Nothing is computed now; the warmer
        starts with the first view a reader asks."""
        with self._lock:
            self._views[key] = _View(read, self.tick(), self.tick() - 1, kept=True)
            self._cap_views()

    def warm(self) -> int:
        """One warmer pass at the current tick: replay, one at a time, every view asked in the
        last WARM_TICKS ticks and not yet computed for this tick, publishing each view's answers
        together once it is complete; forget the other views. A failing view is logged once (until
        it works again) and its readers keep the previous answers. Returns the views replayed."""
        current = self.tick()
        with self._lock:
            forgotten = [k for k, v in self._views.items() if current - v.asked > WARM_TICKS and not v.kept]
            for old in forgotten:
                del self._views[old]
                self._failing.pop(old, None)
            if forgotten:  # their answers are no longer being recomputed: never shown stale again
                kept = set().union(*(v.keys for v in self._views.values()))
                for entry_key, entry in self._cache.items():
                    if entry_key not in kept:
                        entry.warm = False
            due = [(k, v) for k, v in reversed(self._views.items()) if v.ran < current]
            self._passing = True
        replayed = 0
        try:
            for key, view in due:
                if self._closed or self.store.closed:
                    break
                reading = self._local.reading = _Reading(warming=True, in_view=True)
                try:
                    view.read(self)
                except Exception as exc:  # a failing query must never stop the warmer nor break a page
                    with self._lock:
                        for k in reading.staged:
                            self._staged.pop(k, None)
                    message = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                    if self._failing.get(key) != message:
                        self._failing[key] = message
                        log.warning(
                            "dashboard warmer: view %r failed (%s); readers keep its previous answers",
                            key,
                            message,
                        )
                    continue
                finally:
                    self._local.reading = None
                self._failing.pop(key, None)
                with self._lock:
                    for k in reading.staged:
                        staged = self._staged[k]
                        old = self._cache.get(k)
                        staged.asked = max(staged.asked, old.asked if old else staged.asked)
                        self._keep(k, staged, current)
                    view.ran, view.keys = current, reading.keys
                replayed += 1
        finally:
            with self._lock:
                self._staged.clear()
                self.warm_passes += 1
                self._passing = False
                self._behind = self.tick() != current
        return replayed

    def answers_kept(self) -> int:
        """How many answers the cache holds (tests check the cap)."""
        with self._lock:
            return len(self._cache)

    def retire(self, warmer: Any) -> bool:
        """True when `warmer` should end: no view is asked for any more (the next one asked
        starts another warmer), or the app is closing."""
        with self._lock:
            if self._views and not self._closed and not self.store.closed:
                return False
            if self._warmer is warmer:
                self._warmer = None
            return True

    def close(self, timeout_s: float = 30.0) -> bool:
        """Stop the warmer and wait for computations in flight (the app stopping before its
        store closes); False if one is still running after `timeout_s`."""
        self._closed = True
        with self._lock:
            warmer, self._warmer = self._warmer, None
        if warmer is not None:
            warmer.stop(timeout_s)
        return self.wait_idle(timeout_s)

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Wait until no computation is in flight (a server stopping before its store closes);
        False if one is still running after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                flights = list(self._flights.values())
            if not flights:
                return True
            for flight in flights:
                flight.done.wait(max(deadline - time.monotonic(), 0))
        return False

    def _named(self, name: str, **params: Any) -> Result:
        """Run a query that ranks relative to `as_of`; the current time is bound on a cache miss."""
        key = (name, *sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
        return self._cached(key, lambda as_of: self.store.named(name, as_of=as_of, **params))

    def _plain(self, name: str, **params: Any) -> pl.DataFrame:
        """Run a query that takes no ranking time (tuples in `params` are bound as lists)."""
        key = (name, *sorted(params.items()))
        bound = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
        return self._cached(key, lambda _: self.store.named(name, **bound)).rows

    def ranking(
        self, window: str = DEFAULT_WINDOW, filters: Filters = Filters(), limit: int = 10, shift_s: int = 0
    ) -> Result:
        """Articles ranked by interactions gained in the window, filtered (page, box and embed).

        `shift_s` ranks as of about that many seconds earlier (the page's rank change), at the
        `pinned_moment`, so one computation serves every refresh until the grid moves on.
        """
        # Always the MAX_LIMIT deepest ranking, cut here: most_popular() ranks every article
        # whatever the limit, so the page (20 rows), the rank change (100), the site's box and
        # its embed (5) share one computation per refresh instead of one per depth.
        depth = max(limit, MAX_LIMIT)
        params = dict(
            win=WINDOWS[window],
            platform=filters.platform,
            site=filters.site,
            section=filters.section,
            author=filters.author,
            limit=depth,
        )
        if not shift_s:
            result = self._named("ranking", **params)
        else:
            at = self.pinned_moment(shift_s)
            key = ("ranking", at, *sorted(params.items()))
            result = self._cached(
                key, lambda _: self.store.named("ranking", as_of=at, **params), pinned_at=at
            )
        return self._head(result, limit) if limit < depth else result

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

    def trending(self, platform: str = "", limit: int = 10, shift_s: int = 0) -> Result:
        """Articles ranked by the trending score, with its inputs (`shift_s`: as of about that
        many seconds earlier, at the `pinned_moment`, for the rank change)."""
        if not shift_s:
            return self._named("trending_now", platform=platform, limit=limit)
        at = self.pinned_moment(shift_s)
        key = ("trending_now", at, *sorted(dict(platform=platform, limit=limit).items()))
        return self._cached(
            key,
            lambda _: self.store.named("trending_now", as_of=at, platform=platform, limit=limit),
            pinned_at=at,
        )

    def rising(self, article_ids: Sequence[int], platform: str = "") -> Result:
        """When each article started rising (the `trending_rising` query's definition)."""
        return self._named(
            "trending_rising",
            article_ids=[int(a) for a in article_ids],
            factor=RISING_FACTOR,
            platform=platform,
        )

    def forecasts(self, article_ids: Sequence[int], target: str = "horizon") -> pl.DataFrame:
        """The latest forecast of each article per platform, with its 80% interval."""
        return self._plain("article_forecasts", article_ids=tuple(int(a) for a in article_ids), target=target)

    def sparklines(self, window: str, platform: str, article_ids: Sequence[int]) -> Result:
        """Interactions each article gained per step of its window (SPARK_STEP), all in one query."""
        return self._named(
            "ranking_sparklines",
            article_ids=[int(a) for a in article_ids],
            win=WINDOWS[window],
            step=SPARK_STEP[window],
            platform=platform,
        )

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

    def article_latest(self, article_id: int) -> pl.DataFrame:
        """One article's latest count of every metric per platform (the series' last values)."""
        return self._plain("article_latest", article_id=article_id)

    def article_timeline(self, article_id: int, metric: str) -> pl.DataFrame:
        """One article's cumulative `metric` ('interactions' or a metric name) per platform."""
        return self._plain("article_timeline", article_id=article_id, metric=metric)

    def article_hourly(self, article_id: int, metric: str) -> pl.DataFrame:
        """What one article gained per platform in each clock hour."""
        return self._plain("article_hourly", article_id=article_id, metric=metric)

    def article_expected(self, article_id: int, until: datetime | None = None) -> Result:
        """The site's usual interactions at each age of one article (expected_curves), as points in
        time from its birth to `until` (default: the ranking time)."""
        return self._named("article_expected", article_id=article_id, until=until)

    def article_posts(self, article_id: int) -> pl.DataFrame:
        """The posts sharing one article with their own latest counts."""
        return self._plain("article_posts", article_id=article_id)

    def health(self) -> pl.DataFrame:
        """Collector health, one row per platform; its state (blocked, off, ...) as of the ranking time."""
        return self._named("health").rows

    def platforms(self) -> list[str]:
        """Platforms with posts sharing a tracked article (the platform filter's choices)."""
        return [str(p) for p in self._plain("platforms")["platform"]]
