"""What every simulated platform shares: JSON answers, fault handling and a request counter
that produces the numbers a platform's rate-limit headers report."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from tracker.simweb.faults import Faults, render_fault
from tracker.simweb.world import SimArticle, World

Handler = Callable[..., Response]


class WindowCounter:
    """Fixed-window request counting in wall time, like most platforms' limiters."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self.refused = 0  # requests answered "over the limit" since start (benches read it)

    def hit(self, key: str = "") -> tuple[int, float, bool]:
        """Count one request: (remaining, window reset as epoch seconds, over the limit?)."""
        now = time.time()
        with self._lock:
            start, used = self._windows.get(key, (now, 0))
            if now - start >= self.window_s:
                start, used = now, 0
            used += 1
            self._windows[key] = (start, used)
            if used > self.limit:
                self.refused += 1
        return max(0, self.limit - used), start + self.window_s, used > self.limit

    def reset(self) -> None:
        """Forget every window (tests start each case with the platform's full budget)."""
        with self._lock:
            self._windows.clear()

    def peek(self, key: str = "") -> tuple[int, float]:
        """(remaining, window reset) without counting; a window starts when first seen, so two
        looks at a fresh window agree on its reset."""
        now = time.time()
        with self._lock:
            start, used = self._windows.get(key, (now, 0))
            if now - start >= self.window_s:
                start, used = now, 0
            self._windows[key] = (start, used)
        return max(0, self.limit - used), start + self.window_s


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode()
    return Response(body, status, headers=dict(headers or {}), mimetype="application/json")


class Fake:
    """Base for one platform's fake. Subclasses set NAME, return werkzeug rules, and say what
    their posts look like (`post_key`, and `posts_per_article` when not the default); the world
    builds every platform's posts from these, so no list of platforms lives in the simulator."""

    NAME = ""
    HOLDS_POSTS: ClassVar[bool] = True  # False: the fake serves no posts (the news site itself)

    def reset_limits(self) -> None:
        """Give every rate-limit window of this fake its full budget again."""
        for value in vars(self).values():
            if isinstance(value, WindowCounter):
                value.reset()

    def refused(self) -> int:
        """Requests this fake refused for going over its own limits (injected faults are not
        counted): a client that keeps to the limits makes none."""
        return sum(value.refused for value in vars(self).values() if isinstance(value, WindowCounter))

    @staticmethod
    def posts_per_article(rng: np.random.Generator, viral: bool) -> int:
        """How many posts on this platform share one article (0..3 typically, more when viral)."""
        return int(rng.poisson(3.0 if viral else 0.8))

    @staticmethod
    def post_key(article: SimArticle, j: int, serial: int, rng: np.random.Generator) -> str:
        """The key of the j-th post sharing `article`, shaped like the platform's real ids
        (`serial` is a random number drawn for every post, for keys that need one)."""
        raise NotImplementedError

    def __init__(self, world: World, faults: Faults) -> None:
        self.world = world
        self.faults = faults

    def rules(self) -> list[Rule]:
        raise NotImplementedError

    def throttled(self) -> Response:
        """The platform's own answer when rate limited (status, headers, body)."""
        return json_response({"error": "Too Many Requests"}, 429, {"Retry-After": "30"})

    def guard(self, handler: Handler) -> Handler:
        """Wrap an endpoint so queued or random faults replace or spoil its answer."""

        def endpoint(request: Request, **values: Any) -> Response:
            fault = self.faults.take(self.NAME)
            if fault in ("429", "500", "502", "503", "html", "empty", "malformed"):
                response = render_fault(fault, self.throttled, b"", self.faults.timeout_s)
                assert response is not None
                return response
            good = handler(request, **values)
            if fault is None:
                return good
            spoiled = render_fault(fault, self.throttled, good.get_data(), self.faults.timeout_s)
            if spoiled is None:
                return good
            spoiled.headers.update(
                {k: v for k, v in good.headers.items() if k.lower().startswith(("x-", "rate"))}
            )
            return spoiled

        return endpoint
