"""Alerts end to end: rules over a real DuckDB file, webhooks delivered over real HTTP to a
receiver on 127.0.0.1, retried with back-off, once per article, rule and cool-down."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tracker import age_marks, catalog, timeseries
from tracker.alerts.engine import Alerting
from tracker.clock import SystemClock
from tracker.collector import Sample
from tracker.config import AlertRule, AlertsConfig, from_mapping
from tracker.errors import ConfigError
from tracker.secrets import Redactor
from tracker.store import Store

SECRET_HOOK_PATH = "/hooks/T000/B000/s3cr3t-token-value"


class Receiver:
    """A webhook receiver: records JSON bodies; fails the first `fail_first` posts with 500;
    holds every answer until `release` is set (to prove senders do not block the caller)."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.fail_first = fail_first
        self.release = threading.Event()
        self.release.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                payload = json.loads(self.rfile.read(length))
                receiver.release.wait(10)
                receiver.paths.append(self.path)
                receiver.bodies.append(payload)
                failing = len(receiver.bodies) <= receiver.fail_first
                self.send_response(500 if failing else 200)
                self.end_headers()
                self.wfile.write(b"boom" if failing else b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{SECRET_HOOK_PATH}"

    def wait_for(self, n: int, timeout_s: float = 15.0) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.bodies) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.bodies) >= n, f"receiver got {len(self.bodies)} of {n} posts"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def store(tmp_path: Any) -> Iterator[Store]:
    with Store.open(tmp_path / "alerts.duckdb") as s:
        yield s


def _story(store: Store, slug: str, gained: int, platform: str = "reddit") -> int:
    """An article whose one post gained `gained` score in the last hour (real now: the macros
    default to now())."""
    now = datetime.now(UTC)
    aid, _ = catalog.upsert_article(
        store, f"https://news.example.com/{slug}/", now - timedelta(hours=3), "manual", title=slug
    )
    catalog.ensure_item(
        store,
        platform,
        f"{slug}-post",
        now - timedelta(hours=3),
        article_id=aid,
        created_at=now - timedelta(hours=3),
    )
    timeseries.write(
        store,
        [
            Sample(platform, f"{slug}-post", now - timedelta(minutes=90), {"score": 100}),
            # Flat until half an hour ago, so the whole gain lies inside the last hour.
            Sample(platform, f"{slug}-post", now - timedelta(minutes=30), {"score": 100}),
            Sample(platform, f"{slug}-post", now - timedelta(minutes=2), {"score": 100 + gained}),
        ],
    )
    return aid


def _alerting(store: Store, url: str, *rules: AlertRule, **options: Any) -> Alerting:
    config = AlertsConfig(rules=rules, max_attempts=options.pop("max_attempts", 5))
    return Alerting.open(
        store, config, SystemClock(), Redactor(), "http://dash.example", environ={"HOOK": url}, **options
    )


def test_a_gain_rule_posts_one_slack_message_per_article_and_cooldown(store, receiver):
    big = _story(store, "drum-duet", gained=600)
    _story(store, "quiet-story", gained=20)
    alerting = _alerting(store, receiver.url, AlertRule("surging", "gain", 500, webhook_env="HOOK"))
    try:
        fired = alerting.tick()
        assert [a.article_id for a in fired] == [big]
        receiver.wait_for(1)
        text = receiver.bodies[0]["text"]
        assert "drum-duet" in text and "600 interactions" in text
        assert f"<http://dash.example/article/{big}|dashboard>" in text
        assert alerting.tick() == []  # within the cool-down: nothing again
    finally:
        alerting.close()
    status = store.df("select status, attempts, delivered_at is not null as d from alert_log").to_dicts()
    assert status == [{"status": "sent", "attempts": 1, "d": True}]


def test_a_failing_webhook_is_retried_with_backoff_until_it_accepts(store):
    flaky = Receiver(fail_first=2)
    _story(store, "drum-duet", gained=600)
    alerting = _alerting(
        store, flaky.url, AlertRule("surging", "gain", 500, webhook_env="HOOK", format="json")
    )
    alerting.sender.base_delay_s = 0.05  # type: ignore[union-attr]
    try:
        alerting.tick()
        flaky.wait_for(3)
        alerting.close(drain_s=5)
    finally:
        flaky.close()
    row = store.df("select status, attempts, last_error from alert_log").row(0, named=True)
    assert row["status"] == "sent" and row["attempts"] == 3
    assert flaky.bodies[0] == flaky.bodies[2]  # the same message each attempt
    assert flaky.bodies[0]["article"]["title"] == "drum-duet"
    assert flaky.bodies[0]["kind"] == "gain" and flaky.bodies[0]["value"] == 600


def test_a_webhook_that_never_accepts_is_given_up_with_a_redacted_error(store):
    dead = Receiver(fail_first=100)
    _story(store, "drum-duet", gained=600)
    alerting = _alerting(
        store, dead.url, AlertRule("surging", "gain", 500, webhook_env="HOOK"), max_attempts=2
    )
    alerting.sender.base_delay_s = 0.01  # type: ignore[union-attr]
    try:
        alerting.tick()
        dead.wait_for(2)
        deadline = time.monotonic() + 10
        while store.scalar("select status from alert_log") != "failed" and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        alerting.close()
        dead.close()
    row = store.df("select status, attempts, last_error from alert_log").row(0, named=True)
    assert row["status"] == "failed" and row["attempts"] == 2
    assert "HTTP 500" in row["last_error"]
    assert "s3cr3t-token-value" not in row["last_error"]


def test_evaluating_rules_never_waits_for_a_slow_receiver(store, receiver):
    receiver.release.clear()  # the receiver holds every answer until released
    _story(store, "drum-duet", gained=600)
    alerting = _alerting(store, receiver.url, AlertRule("surging", "gain", 500, webhook_env="HOOK"))
    try:
        fired = alerting.tick()  # would hang (and time the test out) if delivery were inline
        assert len(fired) == 1
        assert store.scalar("select status from alert_log") == "queued"
        receiver.release.set()
        receiver.wait_for(1)
    finally:
        alerting.close(drain_s=5)


def test_top_trending_rule_and_platform_filter(store, receiver):
    on_bluesky = _story(store, "sky", gained=50, platform="bluesky")
    _story(store, "redd", gained=900, platform="reddit")
    alerting = _alerting(
        store,
        receiver.url,
        AlertRule("top-bluesky", "top_trending", 1, platform="bluesky", webhook_env="HOOK", format="json"),
    )
    try:
        fired = alerting.tick()
    finally:
        alerting.close(drain_s=5)
    assert [a.article_id for a in fired] == [on_bluesky]
    assert receiver.bodies[0]["message"] == "sky is #1 on Trending on bluesky"


def _site_history(store: Store, n: int, platform: str = "reddit") -> None:
    """`n` older articles of the same site, each growing 10 interactions an hour for 12 hours,
    with their age marks stored (the expected curve: 30 at 3 h, 60 at 6 h)."""
    now = datetime.now(UTC)
    for k in range(n):
        born = now - timedelta(days=10, hours=k)
        aid, _ = catalog.upsert_article(
            store, f"https://news.example.com/old-{k}/", born, "manual", title=f"old {k}"
        )
        catalog.ensure_item(store, platform, f"old-{k}-post", born, article_id=aid, created_at=born)
        timeseries.write(
            store,
            [
                Sample(platform, f"old-{k}-post", born, {"score": 0}),
                Sample(platform, f"old-{k}-post", born + timedelta(hours=12), {"score": 120}),
            ],
        )
    assert age_marks.refresh(store, now) > 0


def test_an_overperforms_rule_fires_for_a_story_far_above_its_sites_curve(store, receiver):
    _site_history(store, 10)
    big = _story(store, "drum-duet", gained=500)  # 600 at 3 h against an expected 30: 20x
    _story(store, "quiet-story", gained=20)  # 120 against 30: 4x
    alerting = _alerting(
        store, receiver.url, AlertRule("unusual", "overperforms", 10, webhook_env="HOOK", format="json")
    )
    try:
        fired = alerting.tick()
        assert [a.article_id for a in fired] == [big]
        assert fired[0].value == pytest.approx(20, rel=0.01)
        receiver.wait_for(1)
        body = receiver.bodies[0]
        assert body["kind"] == "overperforms" and body["article"]["id"] == big
        assert "20.0× the interactions its site's articles usually have at this age" in body["message"]
        assert alerting.tick() == []  # within the cool-down
    finally:
        alerting.close(drain_s=5)


def test_an_overperforms_rule_on_a_platform_compares_with_that_platforms_curve(store, receiver):
    _site_history(store, 10, platform="bluesky")  # the site's history is on Bluesky only
    _story(store, "redd", gained=900, platform="reddit")  # no Reddit history: no expectation
    on_bluesky = _story(store, "sky", gained=500, platform="bluesky")
    alerting = _alerting(
        store,
        receiver.url,
        AlertRule("sky-unusual", "overperforms", 10, platform="bluesky", webhook_env="HOOK", format="json"),
    )
    try:
        fired = alerting.tick()
    finally:
        alerting.close(drain_s=5)
    assert [a.article_id for a in fired] == [on_bluesky]
    assert receiver.bodies[0]["message"].endswith("on bluesky")


def test_a_rule_without_its_webhook_variable_is_off_and_says_why(store):
    config = AlertsConfig(rules=(AlertRule("surging", "gain", 5, webhook_env="MISSING_HOOK"),))
    alerting = Alerting.open(store, config, SystemClock(), Redactor(), "http://d", environ={})
    _story(store, "drum-duet", gained=600)
    assert alerting.tick() == []
    assert alerting.off() == [("surging", "$MISSING_HOOK is not set")]
    assert alerting.test() == [("surging", "$MISSING_HOOK is not set")]


def test_alerts_test_sends_a_sample_message(store, receiver):
    alerting = _alerting(
        store, receiver.url, AlertRule("surging", "gain", 500, webhook_env="HOOK"), start_sender=False
    )
    assert alerting.test("surging") == [("surging", None)]
    assert "Test alert from virality-tracker" in receiver.bodies[0]["text"]
    assert receiver.paths == [SECRET_HOOK_PATH]
    with pytest.raises(ConfigError, match="no alert rule named 'nope'"):
        alerting.test("nope")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"name": "a", "kind": "viral", "threshold": 1, "webhook_env": "H"}, "kind must be one of"),
        ({"name": "a", "threshold": 0, "webhook_env": "H"}, "threshold must be greater than 0"),
        ({"name": "a", "threshold": 1, "webhook_env": "H", "format": "xml"}, "format must be one of"),
        ({"threshold": 1, "webhook_env": "H"}, "name is required"),
    ],
)
def test_bad_alert_rules_are_one_line_config_errors(rule, message):
    with pytest.raises(ConfigError, match=message):
        from_mapping({"alerts": {"rules": [rule]}})


def test_a_pasted_webhook_url_is_refused_without_echoing_it():
    url = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"
    with pytest.raises(ConfigError) as caught:
        from_mapping({"alerts": {"rules": [{"name": "a", "threshold": 1, "webhook_env": url}]}})
    assert "XXXXsecretXXXX" not in str(caught.value)
    assert "webhook_env must name an environment variable" in str(caught.value)
