"""The collector contract, checked for every registered platform (the same suite a third-party
module would face): its shape and roles, no request or sleep while it is built and asked to
identify URLs, unknown URLs not claimed, and exactly ceil(N / max_batch) requests for N items,
yielding only canonical metric names with int values, over real HTTP against the simulator."""

from __future__ import annotations

import math
import re
import time
from urllib.parse import urlsplit

import httpx
import pytest

from tracker.collector import GAUGES, METRICS, Gone, Sample, Target
from tracker.config import SiteConfig
from tracker.registry import BUILTIN_COLLECTORS
from tracker.registry import load as load_registry

PLATFORMS = load_registry(entry_point_group=None)
# Platforms that sample and can, with default settings (generic_json needs a url_template).
SAMPLERS = [
    n
    for n, p in PLATFORMS.items()
    if "samples" in p.roles and getattr(p.module, "unusable", lambda s: None)(p.settings({})) is None
]
# Settings without which a platform has nothing to do (what a config file would give it).
USABLE_SETTINGS: dict[str, dict[str, object]] = {
    "generic_json": {"url_template": "https://api.example.org/{id}", "url_pattern": r"example\.org/v/(\d+)"},
    "feeds": {"sites": (SiteConfig(url="https://news.example.com"),)},
}


def test_every_builtin_module_is_registered_under_its_own_name():
    assert sorted(PLATFORMS) == sorted(m.rsplit(".", 1)[-1] for m in BUILTIN_COLLECTORS)
    for name, platform in PLATFORMS.items():
        assert platform.module.__name__ == f"collectors.{name}"
        assert platform.summary, f"{name} has no module docstring"


class RefusingTransport(httpx.BaseTransport):
    """Fails the test on any request: building a collector and identify() must not send one."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        raise AssertionError(f"request sent: {request.method} {request.url}")


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_building_a_collector_and_identifying_urls_does_no_io(name, clock, monkeypatch):
    from tracker.assembly import Active, build_platform
    from tracker.config import PlatformConfig
    from tracker.http import HTTPOptions
    from tracker.secrets import Redactor

    transports: list[RefusingTransport] = []

    def refusing() -> RefusingTransport:
        transports.append(RefusingTransport())
        return transports[-1]

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"slept {seconds} s")

    monkeypatch.setattr(time, "sleep", no_sleep)
    options = HTTPOptions(inner_transport=refusing, sleep=no_sleep)
    env = {c.env: "sim-app|sim-secret" for c in PLATFORMS[name].credentials}
    pconf = PlatformConfig(name, True, dict(USABLE_SETTINGS.get(name, {})))
    built = build_platform(PLATFORMS[name], pconf, clock, Redactor(), environ=env, http_options=options)
    assert isinstance(built, Active)
    urls = (
        "https://news.ycombinator.com/item?id=8863",
        "https://www.reddit.com/r/news/comments/1abcde/title/",
        "https://x.com/someone/status/1900000000000000001",
        "https://bsky.app/profile/someone.bsky.social/post/3l5hss1abcd",
        "https://mastodon.social/@someone/114000000000000001",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://example.org/v/42",
        "https://news.example.com/2026/11/23/story/",
        "not a url",
    )
    claimed = [built.collector.identify(url) for url in urls]
    assert any(claimed) or name in ("feeds", "facebook")  # the check ran on URLs it knows
    assert built.http.stats.requests == 0
    assert all(not t.requests for t in transports)


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_every_base_url_defaults_to_a_real_https_service(name):
    defaults = PLATFORMS[name].settings({})
    urls = {k: v for k, v in vars(defaults).items() if k.endswith("_url") and v}
    for key, url in urls.items():
        assert urlsplit(url).scheme == "https", f"{name}.{key} = {url}"


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_unknown_urls_are_not_claimed(make_collector, name):
    env = {c.env: "x|y-placeholder" for c in PLATFORMS[name].credentials}
    settings = {"generic_json": {"url_template": "https://api.example.org/{id}"}}.get(
        name, USABLE_SETTINGS.get(name, {})
    )
    collector = make_collector(name, env=env, **settings).collector
    for url in ("https://news.example.com/2026/11/23/story/", "https://example.org/", "not a url", ""):
        assert collector.identify(url) is None


def _keys(sim, name: str) -> list[str]:
    now = sim.world.now()
    posts = [p for p in sim.world.posts[name].values() if p.created_at <= now and not sim.world.is_gone(p)]
    if name == "bluesky":
        return [f"at://{p.key.split('/')[0]}/app.bsky.feed.post/{p.key.split('/')[1]}" for p in posts]
    if name == "mastodon":
        host = urlsplit(sim.url).netloc
        return [f"{host}/{p.key}" for p in posts]
    return [p.key for p in posts]


@pytest.mark.parametrize("name", SAMPLERS)
def test_a_round_makes_ceil_n_over_batch_requests_with_canonical_int_metrics(sim, make_collector, name):
    platform = PLATFORMS[name]
    env = {c.env: "sim-app|sim-secret" for c in platform.credentials}
    active = make_collector(name, env=env)
    keys = _keys(sim, name)
    batch = active.limits.max_batch
    n = min(len(keys), max(2, batch) if batch > 1 else 3)
    assert n >= 2, f"the simulator has too few {name} posts"
    requests = 0
    records = []
    for start in range(0, n, batch):
        targets = [Target(name, k) for k in keys[start : start + batch][: n - start]]
        before = active.http.stats.requests
        records += list(active.collector.sample(targets))
        requests += active.http.stats.requests - before
    token_requests = 1 if name == "reddit" and platform.credentials and any(env.values()) else 0
    assert requests - token_requests <= math.ceil(n / batch)
    assert requests >= math.ceil(n / batch)
    assert len(records) == n
    for record in records:
        assert isinstance(record, Sample | Gone)
        if isinstance(record, Sample):
            assert set(record.metrics) <= set(METRICS) and set(record.gauges) <= set(GAUGES)
            assert all(type(v) is int and v >= 0 for v in record.metrics.values())
            assert record.observed_at.tzinfo is not None


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_every_platform_is_documented_with_its_batch_size(name):
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "platforms" / f"{name}.md").read_text()
    assert re.search(rf"\b{PLATFORMS[name].limits.max_batch}\b", page), (
        f"{name}.md does not state the batch size"
    )


@pytest.mark.parametrize("name", ["feeds", "generic_json"])
def test_a_platform_with_nothing_to_do_is_off_with_a_reason(name, clock):
    from tracker.assembly import Disabled, build_platform
    from tracker.config import PlatformConfig
    from tracker.errors import ConfigError
    from tracker.secrets import Redactor

    built = build_platform(PLATFORMS[name], PlatformConfig(name), clock, Redactor(), environ={})
    assert isinstance(built, Disabled) and "configured" in built.reason
    with pytest.raises(ConfigError, match=f"platforms.{name}: no"):
        build_platform(PLATFORMS[name], PlatformConfig(name, True), clock, Redactor(), environ={})
