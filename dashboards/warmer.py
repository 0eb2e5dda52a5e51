"""The dashboards' warmer: one background thread that, as each refresh tick begins, recomputes
the views readers asked for lately (`Data.warm`), one at a time, so an editor opening or
refreshing a page is shown the previous tick's answers at once instead of waiting for a ranking
computed on their click.

It starts with the first view a reader asks, ends by itself once nobody asks for any view (no
thread outlives an idle app), and `Data.close()` stops it with the app. A pass that fails is
logged by `Data.warm` and never ends the thread.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

log = logging.getLogger("tracker.dashboards")
AFTER_TICK_S = 0.05  # start a pass just after the tick changes, never just before


class Warmable(Protocol):
    """What the warmer drives (`dashboards.data.Data`)."""

    ttl_s: float

    def warm(self) -> int: ...

    def retire(self, warmer: Warmer) -> bool: ...


class Warmer:
    def __init__(self, data: Warmable) -> None:
        self.data = data
        self._stop = threading.Event()
        self.name = f"dashboard-warmer-{id(data):x}"
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def start(self) -> Warmer:
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        """Ask the thread to end and wait for its current view (at most `timeout_s`)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        ttl_s = self.data.ttl_s
        while not self._stop.wait(ttl_s - time.time() % ttl_s + AFTER_TICK_S):
            try:
                self.data.warm()
            except Exception:  # Data.warm logs each view's failure; this would be a bug of its own
                log.exception("dashboard warmer: a pass failed")
            if self.data.retire(self):
                return
