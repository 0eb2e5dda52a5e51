"""The library's front door: load configuration, open the store with its collectors, track
URLs, and run one full collection pass. The CLI, the daemon and the tests all call these."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from tracker import analytics_settings, catalog, registry, site_rules
from tracker import config as config_mod
from tracker.assembly import Active, Disabled, build_all
from tracker.clock import Clock, SystemClock
from tracker.collector import Collector
from tracker.config import Config
from tracker.errors import CollectorError, TrackerError, UnknownURL
from tracker.http import HTTPOptions, PlatformHTTP
from tracker.netguard import host_of, hosts, literal_problem
from tracker.runner import Collection, RoundResult, discover_round, sample_round, shares_round
from tracker.secrets import Redactor, Secret
from tracker.store import Store
from tracker.urls import canonicalize, check_input, printable

log = logging.getLogger("tracker")


def load_config(
    path: str | Path | None = None, platforms: Mapping[str, registry.Platform] | None = None
) -> Config:
    """Read the config file chosen by --config / $TRACKER_CONFIG / ./tracker.toml, validated."""
    platforms = platforms if platforms is not None else registry.load()
    settings_types = {name: p.settings_type for name, p in platforms.items()}
    return config_mod.load(config_mod.resolve_path(str(path) if path else None), settings_types)


@dataclass
class Opened:
    collection: Collection
    disabled: list[Disabled]
    platforms: Mapping[str, registry.Platform]

    def close(self) -> None:
        for active in self.collection.active.values():
            active.http.close()
        self.collection.store.close()


def open_collection(
    config: Config,
    clock: Clock | None = None,
    environ: Mapping[str, str] | None = None,
    http_options: HTTPOptions | None = None,
    platforms: Mapping[str, registry.Platform] | None = None,
) -> Opened:
    """Open the DuckDB file read-write and build every enabled collector."""
    platforms = platforms if platforms is not None else registry.load()
    clock = clock or SystemClock()
    redactor = Redactor()
    active, disabled = build_all(config, platforms, clock, redactor, environ, http_options)
    store = Store.open(config.db_path, url_rules=config.url_rules)
    analytics_settings.apply(store, config.trending)  # the trending constants every reader uses
    for message in site_rules.apply(store, config.url_rules, clock.now()).messages():
        log.warning("%s", message)
    _close_interrupted_runs(store, clock.now())
    _restore_quotas(store, active)
    _note_platform_states(store, config, active, disabled, clock.now())
    return Opened(Collection(store, config, active, clock, redactor), disabled, platforms)


def _note_platform_states(
    store: Store, config: Config, active: Mapping[str, Active], disabled: list[Disabled], now: datetime
) -> None:
    """At each start an enabled platform gets a fresh chance (its credentials may have been
    fixed; a throttle is kept: the platform said so), and an off one says why on Health; an
    enabled one's request budget is noted for the health query."""
    with store.transaction() as cur:
        if active:
            cur.execute(
                "update platform_state set disabled_reason = null where platform in "
                "(select unnest(?::varchar[]))",
                [list(active)],
            )
        for off in disabled:
            cur.execute(
                """insert into platform_state (platform, disabled_reason, updated_at) values (?, ?, ?)
                   on conflict (platform) do update set disabled_reason = excluded.disabled_reason,
                   updated_at = excluded.updated_at""",
                [off.name, f"off: {off.reason}", now],
            )
        tick_s, stop_after_s = config.daemon.tick_s, config.cadence.stop_after_days * 86400
        cur.execute("delete from platform_limits")  # a platform now off has no budget in force
        for item in active.values():  # what `tracker status` and Health measure use and lateness against
            limits = item.limits
            cur.execute(
                "insert into platform_limits values (?, ?, ?, ?, ?, ?, ?)",
                [item.name, limits.requests, limits.per_seconds, limits.max_batch, tick_s, stop_after_s, now],
            )


def _close_interrupted_runs(store: Store, now: datetime) -> None:
    """Rounds a `kill -9` left `running` end as `interrupted`: we now hold the file read-write,
    so no live process can still be running them."""
    from tracker import runlog

    closed = runlog.close_interrupted(store, now)
    if closed:
        log.warning("%d collection rounds of a process that stopped abruptly marked interrupted", closed)


def _restore_quotas(store: Store, active: Mapping[str, Active]) -> None:
    from tracker import runlog

    for item in active.values():
        quota = item.http.quota
        if quota is not None:
            quota.restore(
                runlog.quota_spent_since(store, item.name, quota.day_start(), item.limits.quota_cost)
            )


@dataclass(frozen=True)
class Tracked:
    url: str
    kind: str  # 'article' or 'item'
    platform: str | None
    key: str
    created: bool
    note: str = ""
    error: str = ""  # why this URL was not tracked (kind "error")


def _identifiers(opened: Opened) -> list[tuple[str, Collector, str]]:
    """(platform, collector, note) for every registered platform, enabled or not.

    Recognising a URL is syntax only; a disabled platform's collector is built with
    placeholder credentials purely so its `identify` can run. It makes no request.
    """
    out: list[tuple[str, Collector, str]] = []
    disabled = {d.name: d.reason for d in opened.disabled}
    for name, platform in opened.platforms.items():
        if name in opened.collection.active:
            out.append((name, opened.collection.active[name].collector, ""))
            continue
        placeholder = {c.name: Secret("placeholder", c.env) for c in platform.credentials}
        http = PlatformHTTP(name, platform.limits, opened.collection.clock, Redactor())
        try:
            collector = platform.build(http, platform.settings({}), placeholder, opened.collection.clock)
        except Exception:  # a collector that cannot even be built cannot recognise URLs
            continue
        out.append(
            (
                name,
                collector,
                f"{name} is off ({disabled.get(name, 'disabled')}); it will be sampled "
                "once the platform is enabled",
            )
        )
    return out


def _refuse_platform_pages(opened: Opened, url: str, canonical: str) -> None:
    """A platform URL that is not a post (a profile, a malformed status) is not an article."""
    host = urlsplit(canonical).hostname or ""  # already canonical: no second canonicalisation
    for prefix in ("www.", "m.", "mobile."):
        host = host.removeprefix(prefix)
    for name, platform in opened.platforms.items():
        if host in platform.hosts or f"www.{host}" in platform.hosts:
            raise UnknownURL(
                f"{url} is on {name} but is not a post this tracker can sample; "
                "give the URL of one post, video or thread"
            )


TRACK_BATCH = 1_000  # URLs written per transaction (and sent per /api/track request by the client)
TrackProgress = Callable[[int, int], None]  # (URLs done, URLs given)


def track(opened: Opened, urls: list[str], progress: TrackProgress | None = None) -> list[Tracked]:
    """Track article URLs or platform post URLs (recognised automatically). Each URL stands
    alone: a bad one comes back with `error` set and the others are still tracked. URLs are
    checked first, then written TRACK_BATCH at a time, one transaction per batch."""
    ctx = opened.collection
    identifiers = _identifiers(opened)
    done: list[Tracked] = []
    for start in range(0, len(urls), TRACK_BATCH):
        planned = []
        for url in urls[start : start + TRACK_BATCH]:
            try:
                planned.append(_recognise(opened, identifiers, url))
            except TrackerError as exc:
                planned.append(Tracked(printable(url), "error", None, "", False, error=str(exc)))
        done.extend(_write(ctx.store, planned, ctx.clock.now()))
        if progress is not None:
            progress(len(done), len(urls))
    return done


def _write(store: Store, planned: list[Tracked], now: datetime) -> list[Tracked]:
    """Store one batch in one transaction; a URL given twice is new only the first time."""
    articles = [t.key for t in planned if t.kind == "article"]
    items = [(t.platform or "", t.key, t.url) for t in planned if t.kind == "item"]
    new_articles, new_items = catalog.track_many(store, articles, items, now)
    out = []
    for t in planned:
        created = False
        if t.kind == "article" and t.key in new_articles:
            new_articles.discard(t.key)
            created = True
        elif t.kind == "item" and (t.platform or "", t.key) in new_items:
            new_items.discard((t.platform or "", t.key))
            created = True
        out.append(dataclasses.replace(t, created=created))
    return out


def _recognise(opened: Opened, identifiers: list[tuple[str, Collector, str]], url: str) -> Tracked:
    """What a URL is (a platform item or an article, by its key), or UnknownURL; writes nothing."""
    ctx = opened.collection
    url = check_input(url)
    for name, collector, note in identifiers:
        key = collector.identify(url)
        if key:
            resolve = getattr(collector, "resolve", None)
            if resolve is not None and not note:
                try:
                    key = resolve(key)  # UnknownURL (the platform knows no such thing) fails this URL
                except CollectorError as exc:
                    # The resolver cannot answer now: track the key as it is; the first sampling
                    # round that reaches the resolver re-keys the item (tracker.runner).
                    note = f"not resolved yet ({exc}); it will be at the next sampling round"
            return Tracked(url, "item", name, key, False, note)
    canonical = canonicalize(url, ctx.config.url_rules)  # UnknownURL for anything not http(s)
    _refuse_platform_pages(opened, url, canonical)
    _refuse_private(ctx.config, canonical)
    return Tracked(canonical, "article", None, canonical, False)


def _refuse_private(config: Config, canonical: str) -> None:
    """An article at a loopback or private address (http://2130706433/, http://[::1]/) only
    on a configured site that allows it."""
    host = host_of(urlsplit(canonical).hostname)
    problem = literal_problem(host)
    allowed = any(s.allow_private and host in hosts([s.url, s.fetch_base_url]) for s in config.sites)
    if problem and not allowed:
        raise UnknownURL(f"{problem}: not an article; only a [[sites]] entry with allow_private may be there")


def untrack(opened: Opened, urls: list[str]) -> int:
    ctx = opened.collection
    changed = 0
    for url in urls:
        key = url
        for _name, collector, _note in _identifiers(opened):
            found = collector.identify(url)
            if found:
                key = found
                break
        changed += catalog.untrack(ctx.store, key, ctx.clock.now(), ctx.config.url_rules)
    if not changed:
        raise UnknownURL(f"nothing tracked matches {', '.join(urls)}")
    return changed


Progress = Callable[[RoundResult], None]


def collect_once(
    opened: Opened, only: list[str] | None = None, progress: Progress | None = None
) -> list[RoundResult]:
    """One full pass: discovery, then share search for every article, then sample every
    tracked item once (in rounds of `round_max_items`, until none is left, the platform is
    throttled or a whole round fails)."""
    ctx = opened.collection
    names = [n for n in ctx.active if not only or n in only]
    unknown = set(only or []) - set(opened.platforms)
    if unknown:
        raise TrackerError(f"unknown platform {sorted(unknown)[0]!r}; known: {', '.join(opened.platforms)}")
    results: list[RoundResult] = []

    def note(result: RoundResult) -> None:
        results.append(result)
        if progress:
            progress(result)

    for name in names:
        note(discover_round(ctx, name))
    for name in names:
        while True:  # search every article once, in rounds of 50
            result = shares_round(ctx, name)
            note(result)
            if result.status != "ok" and result.status != "partial":
                break
    for name in names:
        after = 0  # every item once, in pages of round_max_items, until none is left
        while not ctx.stopping.is_set():
            result = sample_round(ctx, name, everything=True, after_id=after)
            note(result)
            if result.status not in ("ok", "partial") or result.last_item_id is None:
                break
            after = result.last_item_id
    return results
