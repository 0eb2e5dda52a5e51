"""One collection round for one platform: sample due items, search for posts sharing
articles, or read discovery sources. Each round is recorded in `runs`; every failure becomes a
`run_errors` row and never stops the round's other batches or any other platform.

A `RateLimited` answer ends the round and blocks the platform until the platform's reset
(kept in `platform_state`, so a restart respects it too); the scheduler simply finds nothing
to do until then, and no thread sleeps. `AuthFailed` disables the platform with a clear reason.
A platform whose rounds keep failing is backed off by the same SQL rule (state 'degraded').

Requests go out up to `REQUESTS_IN_FLIGHT` at a time on worker threads; the round's own thread
records the answers and stores them once a second and when the round ends (`SampleBuffer`):
one `timeseries.write`, one look-up of the previous totals and one reschedule for all of them,
not one each per request (per request, that store work cost more than the request itself and
made rounds outlast the tick), while the next requests wait on the network. What a flush
commits is never lost nor stored twice. A crash (`kill -9`) may lose only the answers not
flushed yet, at most about a second's worth: their items were not rescheduled either, so they
are still due and are sampled again after the restart.

A round's requests are the platform's rate over the time since its last round began, with the
fraction of a request carried to the next round (`request_allowance`), so the achieved rate is
the allowed rate and never above it; when fewer items are due than that, the rest is spent on
the items closest to due (`cadence.pick`'s spare requests).

One bad item never sinks the batch it travels in: an item key too long to put in a request
(`MAX_REQUEST_KEY_CHARS`) fails alone before any request, and a batch the platform rejects as
a whole (`BadResponse`) is split in halves and asked again until the rejected item stands
alone; only that one is recorded as failed and postponed.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar

import numpy as np
import polars as pl

from tracker import cadence, catalog, cursors, metrics, runlog, timeseries
from tracker.assembly import Active
from tracker.clock import Clock
from tracker.collector import Cursor, Discovery, Gone, Sample, Target, check_metrics
from tracker.config import Config
from tracker.errors import (
    AuthFailed,
    BadResponse,
    CollectorError,
    ContractViolation,
    RateLimited,
    TrackerError,
    UnknownURL,
)
from tracker.secrets import Redactor
from tracker.store import Store
from tracker.urls import site_of as canonical_site

log = logging.getLogger("tracker.runner")
T = TypeVar("T")
# Longer keys cannot travel in a request URL (servers refuse lines past 8-64 kB); such an item
# fails alone instead of taking its batch down with it.
MAX_REQUEST_KEY_CHARS = 2048
# Answers wait at most this long (plus one request) in memory before they are stored: the most
# a crash can lose, and re-sample.
FLUSH_EVERY_S = 1.0
# Requests of one platform waiting on the network at once, within its rate: answers take 50-300 ms
# and one request at a time cannot reach a rate of 4-10 requests a second (X, Bluesky).
REQUESTS_IN_FLIGHT = 4
# A round makes up for at most this many ticks (a slow round under load, a pause), and never for
# more than the platform's rate window, so no window sees more than its requests.
MAX_SPAN_TICKS = 10


@dataclass
class Collection:
    """What every round needs, passed explicitly (no globals)."""

    store: Store
    config: Config
    active: dict[str, Active]
    clock: Clock
    redactor: Redactor = field(default_factory=Redactor)
    stopping: threading.Event = field(default_factory=threading.Event)  # set on shutdown: rounds end early
    # When each platform's last sampling round began (time.monotonic), for `round_span`.
    round_started: dict[str, float] = field(default_factory=dict)
    # Requests each platform may still make (fractions carried between rounds), for `request_allowance`.
    request_credit: dict[str, float] = field(default_factory=dict)


@dataclass
class RoundResult:
    platform: str
    kind: str
    status: str = "ok"
    items: int = 0
    errors: int = 0
    discovered: int = 0
    requests: int = 0
    messages: list[str] = field(default_factory=list)
    succeeded: int = 0  # batches, searches or sources that worked: none with errors = "failed"
    last_item_id: int | None = None  # a full pass's page: the last item this round took


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Round:
    """Bookkeeping shared by the three kinds of round."""

    def __init__(self, ctx: Collection, active: Active, kind: str) -> None:
        self.ctx = ctx
        self.active = active
        self.now = ctx.clock.now()
        self.result = RoundResult(active.name, kind)
        active.http.stats.snapshot_and_reset()
        self.run_id = runlog.start_run(ctx.store, active.name, kind, self.now)

    def error(self, exc: BaseException, item_key: str | None = None) -> None:
        message = self.ctx.redactor(str(exc) or type(exc).__name__)
        self.result.errors += 1
        self.result.messages.append(message)
        runlog.record_error(
            self.ctx.store,
            self.run_id,
            self.active.name,
            item_key,
            self.ctx.clock.now(),
            type(exc).__name__,
            message,
        )
        log.warning("%s %s: %s", self.active.name, self.result.kind, message)

    def stop_for(self, exc: RateLimited | AuthFailed) -> None:
        """Throttled or refused: block or disable the platform and end the round."""
        self.error(exc)
        if isinstance(exc, RateLimited):
            self.result.status = "rate_limited"
            runlog.set_platform_state(
                self.ctx.store,
                self.active.name,
                self.ctx.clock.now(),
                blocked_until=exc.retry_at,
                blocked_reason=exc.reason,
            )
        else:
            self.result.status = "failed"
            runlog.set_platform_state(
                self.ctx.store,
                self.active.name,
                self.ctx.clock.now(),
                disabled_reason=self.ctx.redactor(str(exc)),
            )

    def finish(self) -> RoundResult:
        if self.result.status == "ok" and self.result.errors:
            self.result.status = "partial" if self.result.succeeded else "failed"
        stats = self.active.http.stats.snapshot_and_reset()
        self.result.requests = stats["requests"]
        runlog.finish_run(
            self.ctx.store,
            self.run_id,
            self.ctx.clock.now(),
            stats,
            self.result.items,
            self.result.errors,
            self.result.status,
        )
        return self.result


def platform_available(ctx: Collection, name: str) -> str | None:
    """Why a platform must not be asked now (throttled until ..., disabled), or None.
    The rule is SQL's `platform_status_at`, the one `tracker status` and the Health page show."""
    row = (
        ctx.store.cursor()
        .execute(
            "select state, note, blocked_until from platform_status_at(?) where platform = ?",
            [ctx.clock.now(), name],
        )
        .fetchone()
    )
    if not row or row[0] == "ok":
        return None
    state, note, blocked = row
    if state == "blocked":
        return f"throttled until {blocked:%Y-%m-%d %H:%M:%S} UTC"
    if state == "degraded":  # the circuit breaker: skip until its back-off ends, then probe
        return None if blocked is None else f"degraded, backing off until {blocked:%Y-%m-%d %H:%M:%S} UTC"
    return f"disabled: {note}"


def sample_round(
    ctx: Collection, name: str, everything: bool = False, after_id: int | None = None
) -> RoundResult:
    """Spend the platform's requests since its last round (`request_allowance`): due items
    most urgent first, then, while requests are left, the items closest to due (`cadence.pick`
    with the rest as spare: a request not made now is lost to the rate limit), in pages of at
    most `round_max_items`. With `everything`, one page of any tracked item whatever its due
    time; with `after_id` too, the next page of a full pass in item order (`last_item_id` of
    the result is where the next page starts)."""
    active = ctx.active[name]
    why_not = platform_available(ctx, name)
    if why_not:
        return RoundResult(name, "sample", status="skipped", messages=[why_not])
    now = ctx.clock.now()
    stop_before = now - timedelta(days=ctx.config.cadence.stop_after_days)
    limits, cap = active.limits, ctx.config.daemon.round_max_items
    if everything:
        due = catalog.due_items(ctx.store, name, now + timedelta(days=36500), cap, stop_before, after_id)
        budget = cap
    else:
        allowance = request_allowance(ctx, name)
        if allowance < 1:  # a slow platform: this tick's share of a request is kept for the next
            return RoundResult(name, "sample", status="idle")
        budget = allowance * limits.max_batch
        due = _next_page(ctx, name, now, min(cap, budget), stop_before, set())
    if not due:
        if not everything:
            settle_allowance(ctx, name, 0)
        return RoundResult(name, "sample", status="idle")
    run = _Round(ctx, active, "sample")
    run.result.last_item_id = max(d.item_id for d in due)
    pages = _pages(ctx, name, due, budget, stop_before, more=not everything)
    try:
        _sample_pages(ctx, active, run, pages, now)
    except Exception as exc:  # storage or a bug: record it, close the run, let the daemon go on
        run.error(exc)
        run.result.status = "failed"
    result = run.finish()
    if not everything:
        settle_allowance(ctx, name, result.requests)
    return result


def _pages(
    ctx: Collection,
    name: str,
    first: list[catalog.DueItem],
    budget: int,
    stop_before: datetime,
    more: bool,
) -> Iterator[list[catalog.DueItem]]:
    """The round's pages: the first, then (with `more`) the next most urgent items not taken
    yet, read when asked for, until `budget` items are taken or none is left."""
    cap = ctx.config.daemon.round_max_items
    taken = {d.item_id for d in first}
    yield first
    while more and len(taken) < budget:
        page = _next_page(ctx, name, ctx.clock.now(), min(cap, budget - len(taken)), stop_before, taken)
        if not page:
            return
        taken.update(d.item_id for d in page)
        yield page


def _next_page(
    ctx: Collection, name: str, now: datetime, size: int, stop_before: datetime, taken: set[int]
) -> list[catalog.DueItem]:
    """The next `size` items to sample: due ones first, then spare ones (not due yet, but last
    sampled at least the platform's floor ago), by `cadence.pick`; none taken this round yet."""
    floor_s = max(ctx.active[name].limits.min_resample_s, ctx.config.cadence.min_interval_s)
    items, urgencies = catalog.sampling_candidates(
        ctx.store, name, now, size + len(taken), stop_before, floor_s
    )
    fresh = [(item, u) for item, u in zip(items, urgencies, strict=True) if item.item_id not in taken]
    scores = np.array([u for _, u in fresh], dtype=np.float64)
    due = int((scores >= 1.0).sum())
    chosen = cadence.pick(scores, size, spare=max(size - due, 0))
    return [fresh[i][0] for i in chosen]


def request_allowance(ctx: Collection, name: str) -> int:
    """Whole requests this round may make: the platform's rate over the time since its last
    round began (`round_span`), plus the fraction of a request earlier rounds left, less what
    they overdrew (a retry, a resolver call, a partly filled batch). Counting fractions, not
    rounding each round up, is what keeps the achieved rate at the allowed rate, not above it."""
    limits = ctx.active[name].limits
    credit = ctx.request_credit.get(name, 0.0) + limits.requests / limits.per_seconds * round_span(ctx, name)
    ctx.request_credit[name] = credit
    return max(0, math.floor(credit + 1e-9))


def settle_allowance(ctx: Collection, name: str, used: int) -> None:
    """Charge a round's requests: what is left carries over up to one request (a request not
    made now is not saved up for a burst later); an overdraft is paid by the next rounds."""
    ctx.request_credit[name] = min(ctx.request_credit.get(name, 0.0) - used, 1.0)


def round_span(ctx: Collection, name: str) -> float:
    """Seconds since the platform's previous sampling round began, at least one tick and at
    most `MAX_SPAN_TICKS` of them or the platform's rate window (`per_seconds`): a round that
    outlasts the tick is followed by one that makes up for it, so the achieved rate stays the
    allowed rate whatever a round costs. What it makes up for lies inside the window that
    counts it, so no rate window sees more than its requests."""
    tick = ctx.config.daemon.tick_s
    started = time.monotonic()
    previous = ctx.round_started.get(name)
    ctx.round_started[name] = started
    span = tick if previous is None else started - previous
    return min(max(span, tick), MAX_SPAN_TICKS * tick, max(ctx.active[name].limits.per_seconds, tick))


def batches(active: Active, items: Sequence[T], target_of: Callable[[T], Target]) -> Iterator[Sequence[T]]:
    """The only batching there is: at most `active.limits.max_batch` items a batch (collectors
    make one request per batch and never split again); a collector's optional
    `batch_group(target)` keeps items that must go to different hosts (Mastodon instances) apart."""
    group = getattr(active.collector, "batch_group", None)
    if group is None:
        yield from chunks(items, active.limits.max_batch)
        return
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(group(target_of(item)), []).append(item)
    for members in groups.values():
        yield from chunks(members, active.limits.max_batch)


def _due_target(item: catalog.DueItem) -> Target:
    return item.target


def _resolve_keys(
    ctx: Collection, active: Active, run: _Round, due: Sequence[catalog.DueItem], now: datetime
) -> list[catalog.DueItem]:
    """Items tracked while their platform could not name them (a Bluesky handle whose resolver
    was down, a Reddit share link) are re-keyed before they are sampled, by the collector's
    optional `unresolved(key)` and `resolve(key)`. A key the platform says names nothing is
    gone; while the resolver fails, one error is recorded and those items wait."""
    unresolved = getattr(active.collector, "unresolved", None)
    resolve = getattr(active.collector, "resolve", None)
    if unresolved is None or resolve is None:
        return list(due)
    ready: list[catalog.DueItem] = []
    waiting: list[int] = []
    gone: list[Gone] = []
    failing = False
    for item in due:
        key = item.target.item_key
        if not unresolved(key):
            ready.append(item)
            continue
        if failing:  # the resolver failed this round: ask it again next time, not once per item
            waiting.append(item.item_id)
            continue
        try:
            new_key = resolve(key)
        except UnknownURL as exc:
            log.warning("%s: %s; no longer tracked", active.name, exc)
            gone.append(Gone(item.target, "not_found"))
            continue
        except (RateLimited, AuthFailed):
            raise
        except CollectorError as exc:
            run.error(exc, key)
            failing = True
            waiting.append(item.item_id)
            continue
        if unresolved(new_key):
            waiting.append(item.item_id)
            continue
        kept = catalog.rekey_item(ctx.store, item.item_id, active.name, new_key)
        if kept == item.item_id:  # (else it joined the item that had the key: sampled as that one)
            ready.append(replace(item, target=replace(item.target, item_key=new_key)))
    catalog.mark_gone(ctx.store, gone, now)
    _postpone(ctx, waiting, now + timedelta(seconds=ctx.config.cadence.min_interval_s * 5))
    return ready


def _sample_pages(
    ctx: Collection, active: Active, run: _Round, pages: Iterator[list[catalog.DueItem]], now: datetime
) -> None:
    """Ask for the pages' items, `REQUESTS_IN_FLIGHT` requests at a time on worker threads,
    while this thread records the answers and stores them once a second (`SampleBuffer`): the
    next page is read and queued before the workers run dry, so storing never stalls the
    requests. Ends early when the platform throttles or refuses, or the daemon stops."""
    retry_at = now + timedelta(seconds=ctx.config.cadence.min_interval_s * 5)
    buffer = SampleBuffer(ctx, active, run)
    halt = threading.Event()  # set on a throttle or refusal: requests not sent yet are not sent
    pool = ThreadPoolExecutor(REQUESTS_IN_FLIGHT, thread_name_prefix=f"ask-{active.name}")
    queued: set[Future[list[tuple[Sequence[catalog.DueItem], Answer]]]] = set()
    going, paging = True, True
    try:
        while going:
            if paging and len(queued) <= REQUESTS_IN_FLIGHT and not halt.is_set():
                page = next(pages, None)
                paging = page is not None
                if page is not None:
                    try:
                        ready = _resolve_keys(ctx, active, run, page, now)
                    except (RateLimited, AuthFailed) as exc:
                        run.stop_for(exc)
                        break
                    sendable = _refuse_overlong(ctx, active, run, ready, retry_at)
                    for batch in batches(active, sendable, _due_target):
                        queued.add(pool.submit(_ask, ctx, active, batch, halt))
                    continue
            if not queued:
                break
            done, queued = wait(queued, return_when=FIRST_COMPLETED)
            for future in done:
                for batch, answer in future.result():
                    going = _settle(ctx, active, run, batch, answer, retry_at, buffer) and going
            if buffer.due():
                buffer.flush()
    finally:  # whatever ended the round (a throttle, shutdown, a bug), what was answered is kept
        halt.set()
        pool.shutdown(wait=True, cancel_futures=True)
        for future in queued:  # answers that came while the round was ending
            if future.done() and not future.cancelled() and future.exception() is None:
                for batch, answer in future.result():
                    if isinstance(answer, list):
                        _settle(ctx, active, run, batch, answer, retry_at, buffer)
        buffer.flush()


def _refuse_overlong(
    ctx: Collection, active: Active, run: _Round, due: Sequence[catalog.DueItem], retry_at: datetime
) -> list[catalog.DueItem]:
    """The items whose keys fit in a request; the others fail alone, before any request."""
    sendable, refused = [], []
    for item in due:
        key = item.target.item_key
        if len(key) <= MAX_REQUEST_KEY_CHARS:
            sendable.append(item)
            continue
        refused.append(item.item_id)
        problem = f"item key of {len(key)} characters is longer than {MAX_REQUEST_KEY_CHARS}; not requested"
        run.error(CollectorError(active.name, problem), key[:200])
    _postpone(ctx, refused, retry_at)
    return sendable


Answer = list[Sample | Gone] | BaseException | None  # records, the failure, or not asked


def _ask(
    ctx: Collection, active: Active, batch: Sequence[catalog.DueItem], halt: threading.Event
) -> list[tuple[Sequence[catalog.DueItem], Answer]]:
    """One batch's request, on a worker thread (HTTP only, no store): its answer, or for a
    batch the platform rejects as a whole, its halves' answers, asked again until the rejected
    item stands alone. A throttle or refusal sets `halt`, so no other request is started."""
    if halt.is_set() or ctx.stopping.is_set():
        return [(batch, None)]  # the round is ending: these items keep their due times
    try:
        return [(batch, list(active.collector.sample([d.target for d in batch])))]
    except (RateLimited, AuthFailed) as exc:
        halt.set()
        return [(batch, exc)]
    except BadResponse as exc:
        if len(batch) == 1:
            return [(batch, exc)]
        half = len(batch) // 2  # which item did the platform reject? ask again in halves
        return _ask(ctx, active, batch[:half], halt) + _ask(ctx, active, batch[half:], halt)
    except Exception as exc:  # a bug in a collector must not stop the daemon
        return [(batch, exc)]


def _settle(
    ctx: Collection,
    active: Active,
    run: _Round,
    batch: Sequence[catalog.DueItem],
    answer: Answer,
    retry_at: datetime,
    buffer: SampleBuffer,
) -> bool:
    """Record one batch's answer (on the round's thread, which alone touches the store);
    False when the round must end."""
    targets = [d.target for d in batch]
    if answer is None:
        return False
    if isinstance(answer, RateLimited | AuthFailed):
        # The platform is blocked (or disabled) until its reset; the items keep their own
        # due times, so the next round takes them in priority order, not all at one time.
        if run.result.status == "ok":  # once, however many requests were in flight
            run.stop_for(answer)
        return False
    if isinstance(answer, BadResponse):
        run.error(answer, targets[0].item_key[:200])
        _postpone(ctx, [batch[0].item_id], retry_at)
        return True
    if isinstance(answer, CollectorError):
        run.error(answer, ",".join(t.item_key for t in targets)[:200])
        _postpone(ctx, [d.item_id for d in batch], retry_at)
        return True
    if isinstance(answer, BaseException):
        run.error(answer, ",".join(t.item_key for t in targets)[:200])
        return True
    buffer.add(batch, answer)
    run.result.succeeded += 1
    return True


class SampleBuffer:
    """A round's answers not stored yet; `flush` stores them all at once: previous totals read
    in one query, samples written in one `timeseries.write`, gone items marked, shared articles
    attached, and every answered item rescheduled in one statement."""

    def __init__(self, ctx: Collection, active: Active, run: _Round, every_s: float = FLUSH_EVERY_S) -> None:
        self.ctx, self.active, self.run, self.every_s = ctx, active, run, every_s
        self.ids: dict[str, int] = {}
        self.samples: list[Sample] = []
        self.gone: list[Gone] = []
        self.flushed_at = time.monotonic()

    def add(self, batch: Sequence[catalog.DueItem], records: Iterable[Sample | Gone]) -> None:
        """Keep one batch's answers: samples of the items asked for, in the metric vocabulary
        (a collector bug fails that batch alone), and items gone; an item with no answer is an
        error of its own."""
        records = list(records)
        wanted = {d.target.item_key: d.item_id for d in batch}
        samples = [r for r in records if isinstance(r, Sample) and r.item_key in wanted]
        gone = [r for r in records if isinstance(r, Gone)]
        try:
            for sample in samples:
                check_metrics(sample.platform, sample.metrics, sample.gauges)
        except ContractViolation as exc:  # an unknown metric: reported, nothing of it stored
            self.run.error(exc)
            return
        answered = {s.item_key for s in samples} | {g.target.item_key for g in gone}
        for key in (k for k in wanted if k not in answered):
            self.run.error(CollectorError(self.active.name, "no answer for this item in the response"), key)
        self.ids.update(wanted)
        self.samples.extend(samples)
        self.gone.extend(gone)

    def due(self) -> bool:
        return time.monotonic() - self.flushed_at >= self.every_s

    def flush(self) -> int:
        """Store what is buffered; returns how many samples."""
        self.flushed_at = time.monotonic()
        samples, gone, ids = self.samples, self.gone, self.ids
        self.samples, self.gone, self.ids = [], [], {}
        if not samples and not gone:
            return 0
        ctx, store = self.ctx, self.ctx.store
        answered = {s.item_key: ids[s.item_key] for s in samples}
        previous = _totals(store, list(answered.values())) if samples else None
        timeseries.write(store, samples)
        catalog.mark_gone(store, gone, self.run.now)
        links = [(ids[s.item_key], s.links_to) for s in samples if s.links_to]
        if links:  # a post tracked by its own URL joins the article it shares, when that is ours
            catalog.attach_to_articles(
                store,
                links,
                self.run.now,
                _site_hosts(ctx),
                f"share:{self.active.name}",
                ctx.config.url_rules,
            )
        if previous is not None:
            _reschedule(ctx, self.active, answered, samples, previous)
        self.run.result.items += len(samples)
        return len(samples)


def _totals(store: Store, item_ids: list[int]) -> pl.DataFrame:
    """Per item: the latest total (interactions, or views), when last sampled, and the current
    interval, from `items` alone; only an item sampled before `items.last_total` existed has
    its total read from `samples`, once."""
    frame = store.df(
        """select item_id, last_total as prev_total, last_sampled_at as prev_ts,
                  epoch(next_due_at - last_sampled_at)::double as prev_interval_s,
                  coalesce(created_at, tracked_at) as born
           from items where item_id in (select unnest($ids::bigint[]))""",
        {"ids": item_ids},
    )
    legacy = frame.filter(pl.col("prev_total").is_null() & pl.col("prev_ts").is_not_null())["item_id"]
    if legacy.is_empty():
        return frame
    latest = store.df(
        """with latest as (
               select item_id, metric, value from series_latest
               where item_id in (select unnest($ids::bigint[])))
           select item_id,
                  coalesce(sum(value) filter (where is_interaction(metric)),
                           sum(value) filter (where metric = 'views'))::double as legacy_total
           from latest group by item_id""",
        {"ids": legacy.to_list()},
    )
    return (
        frame.join(latest, on="item_id", how="left")
        .with_columns(prev_total=pl.coalesce("prev_total", "legacy_total"))
        .drop("legacy_total")
    )


def _reschedule(
    ctx: Collection, active: Active, ids: dict[str, int], samples: Sequence[Sample], previous: pl.DataFrame
) -> None:
    if not samples:
        return
    rows = []
    counted = metrics.interactions()  # the metric catalog's, as SQL's is_interaction
    for sample in samples:
        interactions = [v for k, v in sample.metrics.items() if k in counted]
        total = sum(interactions) if interactions else sample.metrics.get("views", 0)
        rows.append({"item_id": ids[sample.item_key], "new_total": float(total), "ts": sample.observed_at})
    batch = (
        pl.DataFrame(rows)
        .join(previous, on="item_id", how="left")
        .with_columns(
            elapsed_s=(pl.col("ts") - pl.col("prev_ts")).dt.total_seconds().cast(pl.Float64),
            age_s=(pl.col("ts") - pl.col("born")).dt.total_seconds().cast(pl.Float64),
        )
    )
    observed = cadence.observed_frame(batch)
    curve = cadence.platform_cadence(ctx.store, active.name, ctx.config.cadence)  # refitted by the daemon
    interval = cadence.next_intervals(observed, curve, active.limits.min_resample_s)
    updates = batch.with_columns(interval_s=pl.Series(interval)).select(
        "item_id",
        "ts",
        "new_total",
        (pl.col("ts") + pl.duration(seconds=pl.col("interval_s"))).alias("next_due_at"),
    )
    with ctx.store.transaction() as cur:
        cur.register("_schedule", updates.to_arrow())
        cur.execute("""update items set last_sampled_at = s.ts, next_due_at = s.next_due_at,
                              last_total = s.new_total
                       from _schedule s where items.item_id = s.item_id""")
        cur.unregister("_schedule")


def _postpone(ctx: Collection, item_ids: list[int], until: datetime) -> None:
    if not item_ids:
        return
    with ctx.store.transaction() as cur:
        cur.execute(
            "update items set next_due_at = greatest(next_due_at, ?) where item_id in "
            "(select unnest(?::bigint[]))",
            [until, item_ids],
        )


def shares_round(ctx: Collection, name: str, limit: int = 50) -> RoundResult:
    """Ask the platform which posts share articles not searched for a while."""
    active = ctx.active[name]
    find_shares = getattr(active.collector, "find_shares", None)
    if find_shares is None:
        return RoundResult(name, "shares", status="idle")
    why_not = platform_available(ctx, name)
    if why_not:
        return RoundResult(name, "shares", status="skipped", messages=[why_not])
    now = ctx.clock.now()
    stop_before = now - timedelta(days=ctx.config.cadence.stop_after_days)
    articles = catalog.articles_for_share_search(
        ctx.store, name, now, ctx.config.daemon.share_search_every_s, limit, stop_before
    )
    if not articles:
        return RoundResult(name, "shares", status="idle")
    run = _Round(ctx, active, "shares")
    for article_id, url in articles:
        if ctx.stopping.is_set():
            break
        try:
            found = list(find_shares(Target(name, url, url)))
            run.result.succeeded += 1
        except (RateLimited, AuthFailed) as exc:
            run.stop_for(exc)
            break
        except Exception as exc:
            run.error(exc, url)
            found = []  # searched (and failed): wait a full interval before asking again
        for discovery in found:
            _, _, created = catalog.record_discovery(
                ctx.store, discovery, run.now, f"share:{name}", rules=ctx.config.url_rules
            )
            run.result.discovered += int(created)
        catalog.note_share_search(ctx.store, name, article_id, len(found), run.now)
    return run.finish()


def _site_hosts(ctx: Collection) -> set[str]:
    hosts = set()
    for site in ctx.config.sites:
        try:
            hosts.add(canonical_site(site.url, ctx.config.url_rules))
        except TrackerError:
            continue
    return hosts


def discover_round(ctx: Collection, name: str) -> RoundResult:
    """Read the platform's discovery sources (feeds, sitemaps, trend lists, front pages)."""
    active = ctx.active[name]
    discover = getattr(active.collector, "discover", None)
    if discover is None:
        return RoundResult(name, "discover", status="idle")
    why_not = platform_available(ctx, name)
    if why_not:
        return RoundResult(name, "discover", status="skipped", messages=[why_not])
    run = _Round(ctx, active, "discover")
    records: list[Discovery | Sample | Cursor] = []
    try:
        for record in discover(cursors.load(ctx.store, name)):
            records.append(record)
            if ctx.stopping.is_set():
                break
        run.result.succeeded += 1
    except (RateLimited, AuthFailed) as exc:
        run.stop_for(exc)
    except Exception as exc:  # keep what the good sources gave before the failure
        run.error(exc)
        run.result.succeeded += int(bool(records))
    sites = _site_hosts(ctx)
    # The newsroom's own articles (feeds) are ours by definition and are not items of the
    # platform; trending links (reads_trends) count only when they point at our articles.
    own_articles = "discovers_articles" in active.platform.roles
    for record in records:
        if isinstance(record, Discovery):
            if (
                not own_articles
                and record.links_to
                and not catalog.is_ours(ctx.store, record.links_to, sites, ctx.config.url_rules)
            ):
                continue  # a trending link to someone else's site: not ours to track
            source = "feed" if own_articles else f"trend:{name}"
            _, _, created = catalog.record_discovery(
                ctx.store, record, run.now, source, as_item=not own_articles, rules=ctx.config.url_rules
            )
            run.result.discovered += int(created)
    samples = [r for r in records if isinstance(r, Sample)]
    timeseries.write(ctx.store, samples)
    run.result.items += len(samples)
    try:
        cursors.save(ctx.store, [r for r in records if isinstance(r, Cursor)], run.now)
    except ContractViolation as exc:  # a mark that is not JSON: a collector bug, reported
        run.error(exc)
    return run.finish()
