"""Running as the owner of the store: the daemon, optionally the dashboards and query API,
and the owner file that lets other commands find us. Stops cleanly on Ctrl-C or SIGTERM,
letting rounds in flight finish and be recorded."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from tracker import owner
from tracker.daemon import Daemon
from tracker.runner import RoundResult
from tracker.service import Opened
from tracker.store import Store


def serve(
    opened: Opened,
    web: tuple[str, int] | None,
    announce: Callable[[str], None],
    progress: Callable[[RoundResult], None] | None = None,
    stop: threading.Event | None = None,
    summary_every_s: float = 30.0,
) -> None:
    """Block until a signal (or `stop` is set), then shut everything down in order."""
    stop = stop or threading.Event()
    ctx = opened.collection
    from dashboards.access import Access
    from tracker.web import add_api
    from tracker.wsgi import BackgroundServer

    settings = ctx.config.server
    access = Access.from_settings(
        web[0] if web is not None else "127.0.0.1",
        settings.users,
        settings.token_env,
        settings.public_box,
        settings.allowed_hosts,
    )
    if web is not None:
        from dashboards import create_app

        app = create_app(ctx.store, refresh_s=settings.refresh_s, timezone=settings.timezone, access=access)
        add_api(app.server, opened)
        server = BackgroundServer(app.server, web[0], web[1], name="web").start()
        announce(
            f"dashboard and API: {server.url}/  (Most Popular, Trending, Health; JSON at "
            f"{server.url}/api/most-popular)"
        )
    else:
        # Headless: no dashboards, but the query API still listens (on a free loopback port),
        # so `tracker sql`, `track` and `status` keep working through this process.
        from flask import Flask

        api = Flask("tracker-api")
        access.install(api)
        add_api(api, opened)
        server = BackgroundServer(api, name="api").start()
    owner.claim(ctx.config.db_path, server.url)
    daemon = Daemon(opened, on_round=progress)
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
        daemon.shutdown()
        server.stop()
        owner.release(ctx.config.db_path)
        _restore_signal_handlers(previous)
    announce("stopped cleanly")


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
