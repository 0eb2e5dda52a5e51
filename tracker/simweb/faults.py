"""Fault injection for the simulated platforms: what real APIs do on a bad day.

Faults are either queued for the next requests to one platform (tests: "the next answer is a
429, then a 503") or drawn at random with configured probabilities (the demo, `--faults`),
for every platform or, set per platform, for that one only (a 429 storm on X alone).
A fake asks `Faults.take(platform)` before answering and hands the fault to `render_fault`,
which uses the fake's own 429 shape so rate-limit headers stay platform-true.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from werkzeug.wrappers import Response

FAULT_KINDS = ("429", "500", "502", "503", "timeout", "malformed", "truncated", "html", "empty", "latency")


@dataclass
class FaultRates:
    """Probabilities per request (0..1) of each random fault, plus fixed latency."""

    latency_s: float = 0.0
    rates: dict[str, float] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> FaultRates:
        """`"429=0.02,503=0.01,latency=0.05"`: latency in seconds, the rest probabilities."""
        out = cls()
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, _, value = part.partition("=")
            if name not in FAULT_KINDS:
                raise ValueError(f"unknown fault {name!r}; choose from {', '.join(FAULT_KINDS)}")
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"fault {name} needs a number, got {value!r}") from None
            if name == "latency":
                out.latency_s = number
            else:
                out.rates[name] = number
        return out


class Faults:
    def __init__(self, rates: FaultRates | None = None, seed: int = 11, timeout_s: float = 30.0) -> None:
        self.rates = rates or FaultRates()
        self.platform_rates: dict[str, FaultRates] = {}  # override `rates` for these platforms
        self.timeout_s = timeout_s
        self._queued: dict[str, deque[str]] = defaultdict(deque)
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def queue(self, platform: str, kinds: list[str]) -> None:
        for kind in kinds:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            self._queued[platform].extend(kinds)

    def clear(self) -> None:
        with self._lock:
            self._queued.clear()
            self.rates = FaultRates()
            self.platform_rates.clear()

    def set_rates(self, rates: FaultRates, platform: str | None = None) -> None:
        """Random faults for every platform, or for `platform` only (it then ignores the rest)."""
        with self._lock:
            if platform is None:
                self.rates = rates
            else:
                self.platform_rates[platform] = rates

    def take(self, platform: str) -> str | None:
        with self._lock:
            queued = self._queued.get(platform)
            if queued:
                return queued.popleft()
            rates = self.platform_rates.get(platform, self.rates)
            for kind, p in rates.rates.items():
                if self._random.random() < p:
                    return kind
        if rates.latency_s:
            time.sleep(rates.latency_s)
        return None


def render_fault(
    kind: str, throttled: Callable[[], Response], body: bytes, timeout_s: float
) -> Response | None:
    """Turn a fault into a response; `body` is the good answer, for truncating or 'latency'."""
    if kind == "429":
        return throttled()
    if kind in ("500", "502", "503"):
        return Response(
            f"<html><body><h1>{kind} Server Error</h1></body></html>", int(kind), mimetype="text/html"
        )
    if kind == "timeout":
        time.sleep(timeout_s)
        return Response(body, 200, mimetype="application/json")
    if kind == "malformed":
        return Response(b'{"data": [1, 2,, }', 200, mimetype="application/json")
    if kind == "truncated":
        return Response(body[: max(1, len(body) // 2)], 200, mimetype="application/json")
    if kind == "html":
        page = "<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon</body></html>"
        return Response(page, 200, mimetype="text/html")
    if kind == "empty":
        return Response(b"", 200, mimetype="application/json")
    if kind == "latency":
        time.sleep(1.0)
        return None
    return None
