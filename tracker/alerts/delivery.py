"""Webhook delivery on its own thread: a queue ordered by next attempt, exponential back-off
with jitter between attempts, and the outcome written back to `alert_log`. `enqueue` never
blocks, so the rule evaluation (and with it collection) never waits for a receiver."""

from __future__ import annotations

import heapq
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tracker.alerts.message import Alert, body
from tracker.secrets import Redactor, Secret

log = logging.getLogger("tracker.alerts")
Outcome = Callable[[Alert, str, int, str | None], None]  # alert, status, attempts, error


@dataclass(order=True)
class _Pending:
    due: float
    seq: int
    alert: Alert = field(compare=False)
    attempts: int = field(default=0, compare=False)


def post(client: httpx.Client, url: Secret, alert: Alert, redactor: Redactor) -> str | None:
    """One attempt; None when the receiver accepted it, else a one-line redacted reason."""
    try:
        response = client.post(url.reveal(), json=body(alert))
    except httpx.HTTPError as exc:
        return redactor(f"{type(exc).__name__}: {exc}")
    if 200 <= response.status_code < 300:
        return None
    return redactor(f"HTTP {response.status_code}: {' '.join(response.text.split())[:120]}")


class Sender:
    """Delivers alerts in the background until `close()`."""

    def __init__(
        self,
        webhooks: dict[str, Secret],  # rule name -> webhook URL
        redactor: Redactor,
        on_outcome: Outcome,
        max_attempts: int = 5,
        base_delay_s: float = 1.0,
        max_delay_s: float = 300.0,
        timeout_s: float = 10.0,
    ) -> None:
        self.webhooks = webhooks
        self.redactor = redactor
        self.on_outcome = on_outcome
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False)
        self._queue: list[_Pending] = []
        self._seq = 0
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="alerts", daemon=True)
        self._thread.start()

    def enqueue(self, alert: Alert) -> None:
        with self._wake:
            self._seq += 1
            heapq.heappush(self._queue, _Pending(time.monotonic(), self._seq, alert))
            self._wake.notify()

    def pending(self) -> int:
        with self._wake:
            return len(self._queue)

    def _next(self) -> _Pending | None:
        with self._wake:
            while not self._closed:
                if self._queue and self._queue[0].due <= time.monotonic():
                    return heapq.heappop(self._queue)
                wait = self._queue[0].due - time.monotonic() if self._queue else None
                self._wake.wait(timeout=wait)
            return None

    def _loop(self) -> None:
        while (item := self._next()) is not None:
            item.attempts += 1
            url = self.webhooks.get(item.alert.rule.name)
            error = "no webhook URL" if url is None else post(self._client, url, item.alert, self.redactor)
            if error is None:
                self.on_outcome(item.alert, "sent", item.attempts, None)
            elif item.attempts >= self.max_attempts:
                log.warning(
                    "alert %s for %s failed after %d attempts: %s",
                    item.alert.rule.name,
                    item.alert.url,
                    item.attempts,
                    error,
                )
                self.on_outcome(item.alert, "failed", item.attempts, error)
            else:
                delay = min(self.max_delay_s, self.base_delay_s * 2 ** (item.attempts - 1))
                item.due = time.monotonic() + delay * random.uniform(0.5, 1.0)
                self.on_outcome(item.alert, "queued", item.attempts, error)
                with self._wake:
                    heapq.heappush(self._queue, item)

    def close(self, drain_s: float = 0.0) -> None:
        """Stop; with `drain_s`, first give queued deliveries that long to go out."""
        deadline = time.monotonic() + drain_s
        while drain_s and self.pending() and time.monotonic() < deadline:
            time.sleep(0.05)
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=5)
        self._client.close()
