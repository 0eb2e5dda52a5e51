"""One loopback HTTP server that routes to every platform's fake, plus a small admin API
(`/_sim/...`) the tests and the demo use to inject faults, add posts and move the clock.

Every built-in platform NAME has its fake in `tracker.simweb.NAME` (the list derives from the
registry's BUILTIN_COLLECTORS; a test checks each exists). The module exposes `PlatformFake`, a
`Fake` subclass whose `MOUNTS` maps the collector's base-URL settings to path prefixes on this
server (`SimServer.overrides()` turns them into the configuration that points every collector
here) and whose `post_key` shapes the posts the world creates for it.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tracker.owner.background import BackgroundServer
from tracker.registry import BUILTIN_COLLECTORS
from tracker.simweb.fake import Fake, json_response
from tracker.simweb.faults import FaultRates, Faults
from tracker.simweb.world import SITE_NAME, SITE_URL, SimClock, World


def fake_modules() -> tuple[str, ...]:
    """The fake of every built-in platform: `tracker.simweb.<name>`."""
    return tuple(f"tracker.simweb.{module.rsplit('.', 1)[-1]}" for module in BUILTIN_COLLECTORS)


def fake_classes(modules: Sequence[str] | None = None) -> list[type[Fake]]:
    classes: list[type[Fake]] = []
    for name in fake_modules() if modules is None else modules:
        classes.append(importlib.import_module(name).PlatformFake)
    return classes


@dataclass
class SimConfig:
    n_articles: int = 300
    seed: int = 7
    speed: float = 60.0  # simulated seconds per wall second; 0 freezes the clock
    start: datetime | None = None
    faults: str = ""  # "429=0.02,503=0.01"
    timeout_s: float = 30.0  # how long a 'timeout' fault hangs


class SimApp:
    """The WSGI application: fakes plus the admin endpoints."""

    def __init__(self, world: World, faults: Faults, fakes: Sequence[type[Fake]]) -> None:
        self.world = world
        self.faults = faults
        # Requests answered per route (its rule, e.g. "/x/api/2/tweets"): what tests count a
        # budget against, on the server's side of the wire.
        self.requests: Counter[str] = Counter()
        self._counting = threading.Lock()
        self.fakes: list[Fake] = []
        self.mounts: dict[str, dict[str, str | tuple[str, ...]]] = {}
        rules: list[Rule] = [
            Rule("/_sim/state", endpoint=self.state, methods=["GET"]),
            Rule("/_sim/faults", endpoint=self.set_faults, methods=["POST", "DELETE"]),
            Rule("/_sim/clock", endpoint=self.set_clock, methods=["POST"]),
            Rule("/_sim/posts", endpoint=self.add_post, methods=["POST"]),
            Rule("/_sim/limits", endpoint=self.reset_limits, methods=["DELETE"]),
        ]
        for fake_class in fakes:
            fake = fake_class(world, faults)
            self.fakes.append(fake)
            self.mounts[fake.NAME] = dict(fake.MOUNTS)  # type: ignore[attr-defined]
            rules.extend(fake.rules())
        self.url_map = Map(rules, strict_slashes=False)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            rule, values = adapter.match(return_rule=True)
            with self._counting:
                self.requests[rule.rule] += 1
            response = rule.endpoint(request, **values)
        except NotFound:
            response = json_response({"error": "not found", "path": request.path}, 404)
        except HTTPException as exc:
            response = exc.get_response(environ)
        return response(environ, start_response)

    # -- admin ----------------------------------------------------------------------------------

    def state(self, request: Request) -> Response:
        return json_response(
            {
                "now": self.world.now().isoformat(),
                "articles": len(self.world.articles),
                "published": len(self.world.published_articles()),
                "posts": {p: len(posts) for p, posts in self.world.posts.items()},
                "mounts": self.mounts,
                "requests": dict(self.requests),
                "refused": {fake.NAME: fake.refused() for fake in self.fakes},
            }
        )

    def reset_limits(self, request: Request) -> Response:
        """Every fake's rate-limit windows start afresh (tests share one simulator)."""
        for fake in self.fakes:
            fake.reset_limits()
        return json_response({"ok": True})

    def set_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return json_response({"ok": True})
        body = request.get_json(force=True, silent=True) or {}
        try:
            if "queue" in body:
                self.faults.queue(str(body["platform"]), [str(k) for k in body["queue"]])
            if "rates" in body:  # with "platform": that platform's rates only
                platform = str(body["platform"]) if "platform" in body else None
                self.faults.set_rates(FaultRates.parse(str(body["rates"])), platform)
        except (KeyError, ValueError) as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"ok": True})

    def set_clock(self, request: Request) -> Response:
        body = request.get_json(force=True, silent=True) or {}
        if "speed" in body:
            self.world.clock.set_speed(float(body["speed"]))
        if "advance" in body:
            self.world.clock.advance(float(body["advance"]))
        return json_response({"now": self.world.now().isoformat()})

    def add_post(self, request: Request) -> Response:
        body = request.get_json(force=True, silent=True) or {}
        if isinstance(body.get("keys"), list):  # many plain posts at once (bench/daemon.py)
            try:
                for key in body["keys"]:
                    self.world.add_post(str(body["platform"]), str(key), None)
            except KeyError as exc:
                return json_response({"error": f"missing {exc}"}, 400)
            return json_response({"ok": True, "added": len(body["keys"])})
        try:
            post = self.world.add_post(
                str(body["platform"]),
                str(body["key"]),
                body.get("article_url"),
                viral=bool(body.get("viral", False)),
            )
        except KeyError as exc:
            return json_response({"error": f"missing {exc}"}, 400)
        if body.get("deleted"):
            post.deleted_at = self.world.now()
        post.private = bool(body.get("private", False))
        return json_response({"ok": True, "created_at": post.created_at.isoformat()})


class SimServer:
    """A running simulator on 127.0.0.1 in a background thread."""

    def __init__(
        self,
        config: SimConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        fake_modules: Sequence[str] | None = None,
    ) -> None:
        self.config = config or SimConfig()
        start = self.config.start or datetime.now().astimezone()
        fakes = fake_classes(fake_modules)
        self.world = World(
            SimClock(start, self.config.speed),
            self.config.n_articles,
            self.config.seed,
            makers=[f for f in fakes if f.HOLDS_POSTS],
        )
        self.faults = Faults(FaultRates.parse(self.config.faults), timeout_s=self.config.timeout_s)
        self.app = SimApp(self.world, self.faults, fakes)
        self._server = BackgroundServer(self.app, host, port, name="simweb")

    @property
    def url(self) -> str:
        return self._server.url

    def overrides(self) -> dict[str, dict[str, str | tuple[str, ...]]]:
        """Per platform, the base-URL settings that point its collector at this server.

        A mount may be a tuple of prefixes for a setting that lists base URLs (Mastodon's
        `instances`); it becomes a tuple of URLs.
        """
        return {
            platform: {
                setting: self.url + prefix if isinstance(prefix, str) else tuple(self.url + p for p in prefix)
                for setting, prefix in mounts.items()
            }
            for platform, mounts in self.app.mounts.items()
        }

    def site_config(self) -> dict[str, Any]:
        """The [[sites]] entry for the simulated news site: public URLs, fetched from this server."""
        return {
            "name": SITE_NAME,
            "url": SITE_URL,
            "feeds": [SITE_URL + "/feed/"],
            "sitemaps": [SITE_URL + "/sitemap.xml"],
            "wordpress_api": SITE_URL + "/wp-json/wp/v2/posts",
            "fetch_base_url": self.url + "/site",
            "allow_private": True,  # the simulator listens on 127.0.0.1
        }

    def start(self) -> SimServer:
        self._server.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def shutdown(self) -> None:
        self._server.stop()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def admin(url: str, path: str, payload: Mapping[str, Any] | None = None) -> Any:
    """POST to the admin API of a running simulator (used by tests and `tracker simulate`)."""
    import httpx

    response = httpx.post(f"{url}/_sim/{path}", content=json.dumps(payload or {}), timeout=10)
    response.raise_for_status()
    return response.json()
