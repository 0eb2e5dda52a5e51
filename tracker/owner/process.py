"""Running as the owner of the store until a signal: the daemon, the query API (with the
dashboards when an app factory is given), and the owner file that lets other commands find
us. Stops cleanly on Ctrl-C or SIGTERM, letting rounds in flight finish and be recorded.

The dashboards are passed in (`app_factory`, e.g. `dashboards.create_app`), so the core
library never imports them."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask

from tracker.alerts.engine import Alerting
from tracker.owner.access import Access
from tracker.owner.claim import Owned
from tracker.owner.daemon import Daemon
from tracker.runner import RoundResult
from tracker.store import Store

DRAIN_S = 10.0  # a stop never waits longer than this for rounds stuck on a silent network


class WebApp(Protocol):
    """What an app factory returns: anything with a Flask `server` (a Dash app)."""

    server: Flask


class AppFactory(Protocol):
    """`dashboards.create_app`, passed in by the CLI (the core never imports the dashboards)."""

    def __call__(self, store: Store, *, refresh_s: float, timezone: str, access: Access) -> WebApp: ...


def serve(
    owned: Owned,
    web: tuple[str, int] | None,
    announce: Callable[[str], None],
    progress: Callable[[RoundResult], None] | None = None,
    stop: threading.Event | None = None,
    summary_every_s: float = 30.0,
    app_factory: AppFactory | None = None,
    drain_s: float = DRAIN_S,
) -> int:
    """Block until a signal (or `stop` is set), then shut everything down in order.

    With `web` and `app_factory`, the dashboards and the API listen on `web`; otherwise only
    the API listens, on a free loopback port, so `tracker sql`, `track` and `status` keep
    working through this process.

    Returns how many rounds were still waiting on the network `drain_s` after the signal (0
    on a clean stop); the caller should then exit at once rather than wait for them.
    """
    stop = stop or threading.Event()
    opened = owned.opened
    ctx = opened.collection
    from tracker.owner.api import add_api
    from tracker.owner.background import BackgroundServer

    settings = ctx.config.server
    # Who may call this server: a login on any bind but loopback, Host/Origin checks on every POST.
    access = Access.from_settings(
        web[0] if web is not None else "127.0.0.1",
        settings.users,
        settings.token_env,
        settings.public_box,
        settings.allowed_hosts,
    )
    server_app: Flask | None = None  # the dashboards' server, closed after it stops serving
    if web is not None and app_factory is not None:
        app = app_factory(ctx.store, refresh_s=settings.refresh_s, timezone=settings.timezone, access=access)
        add_api(app.server, opened)
        server_app = app.server
        server = BackgroundServer(app.server, web[0], web[1], name="web").start()
        announce(
            f"dashboard and API: {server.url}/  (Most Popular, Trending, Health; JSON at "
            f"{server.url}/api/most-popular)"
        )
    else:
        api = Flask("tracker-api")
        access.install(api)
        add_api(api, opened)
        host, port = web if web is not None else ("127.0.0.1", 0)
        server = BackgroundServer(api, host, port, name="api").start()
    owned.lock.publish(server.url)
    alerting = _alerting(owned, server.url, announce)
    daemon = Daemon(opened, on_round=progress, alerting=alerting)
    previous = _install_signal_handlers(stop)
    try:
        daemon.start()
        names = ", ".join(ctx.active) or "none"
        announce(f"collecting from: {names}; store {ctx.config.db_path}; Ctrl-C to stop")
        next_summary = time.monotonic() + summary_every_s
        while not stop.wait(0.5):
            if summary_every_s and time.monotonic() >= next_summary:
                next_summary = time.monotonic() + summary_every_s
                announce(summary(ctx.store))
        ctx.stopping.set()
        announce("stopping: rounds in flight finish their current batch (Ctrl-C again to quit at once) ...")
    finally:
        owned.lock.publish(None)  # clients now wait for the file instead of calling a closing API
        stuck = daemon.shutdown(drain_s=drain_s)
        if alerting is not None:
            alerting.close(drain_s=2.0)
        server.stop()
        close_app = server_app.extensions.get("tracker_close") if server_app is not None else None
        if close_app is not None:
            close_app()  # the dashboards' warmer ends before the store closes
        _restore_signal_handlers(previous)
    if stuck:
        announce(
            f"stopped: {stuck} round(s) still waiting on the network after {drain_s:g}s were left; "
            "what they had not stored is sampled again at the next start"
        )
        return stuck
    announce("stopped cleanly")
    return 0


def _alerting(owned: Owned, url: str, announce: Callable[[str], None]) -> Alerting | None:
    """The configured alert rules, with a line for each that is off (its webhook unset)."""
    ctx = owned.opened.collection
    if not ctx.config.alerts.rules:
        return None
    alerting = Alerting.open(ctx.store, ctx.config.alerts, ctx.clock, ctx.redactor, dashboard_url=url)
    for name, why in alerting.off():
        announce(f"note: alert rule {name} is off: {why}")
    return alerting


def summary(store: Store) -> str:
    """One progress line: what is tracked, what was sampled, what leads right now."""
    rows = store.df(
        """select (select count(*) from tracked_articles) as articles,
                  (select count(*) from items where gone_at is null) as items,
                  (select count(*) from samples) as samples,
                  (select count(*) from run_errors) as errors,
                  (select title from most_popular(interval 24 hour) where rank = 1) as top"""
    ).row(0, named=True)
    top = f"; #1 in 24 h: {rows['top']}" if rows["top"] else ""
    return (
        f"tracking {rows['articles']} articles and {rows['items']} posts; {rows['samples']} samples, "
        f"{rows['errors']} errors so far{top}"
    )


def _install_signal_handlers(stop: threading.Event) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():  # a second Ctrl-C: the user does not want to wait
            os._exit(130)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    return previous


def _restore_signal_handlers(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
