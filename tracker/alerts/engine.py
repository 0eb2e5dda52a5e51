"""Evaluate the configured rules against the store and hand new alerts to the sender.

A rule whose webhook variable is not set is off (said once, like a platform without its
credential). Each candidate comes from a named query (`sql/queries/alert_*.sql`) over the
same macros the dashboards use; the `alert_log` row is written before delivery, so an alert
is decided once per article, rule and cool-down even if delivery is slow or fails.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tracker.alerts.delivery import Sender, post
from tracker.alerts.message import Alert
from tracker.clock import Clock
from tracker.config import AlertRule, AlertsConfig
from tracker.errors import ConfigError
from tracker.secrets import Redactor, Secret
from tracker.store import Store

log = logging.getLogger("tracker.alerts")
QUERY_FOR_KIND = {
    "gain": "alert_gain",
    "top_trending": "alert_trending",
    "overperforms": "alert_overperforms",
}


@dataclass
class RuleState:
    rule: AlertRule
    webhook: Secret | None
    why_off: str | None = None


@dataclass
class Alerting:
    store: Store
    config: AlertsConfig
    clock: Clock
    redactor: Redactor
    dashboard_url: str
    rules: list[RuleState] = field(default_factory=list)
    sender: Sender | None = None

    @classmethod
    def open(
        cls,
        store: Store,
        config: AlertsConfig,
        clock: Clock,
        redactor: Redactor,
        dashboard_url: str,
        environ: Mapping[str, str] | None = None,
        start_sender: bool = True,
    ) -> Alerting:
        states = rule_states(config, redactor, environ)
        alerting = cls(
            store, config, clock, redactor, (config.dashboard_url or dashboard_url).rstrip("/"), states
        )
        webhooks = {s.rule.name: s.webhook for s in states if s.webhook is not None}
        if start_sender and webhooks:
            alerting.sender = Sender(webhooks, redactor, alerting._record, config.max_attempts)
        return alerting

    @property
    def live(self) -> list[AlertRule]:
        return [s.rule for s in self.rules if s.webhook is not None]

    def off(self) -> list[tuple[str, str]]:
        return [(s.rule.name, s.why_off) for s in self.rules if s.why_off]

    def tick(self) -> list[Alert]:
        """Evaluate every live rule once; queue and return the new alerts."""
        now = self.clock.now()
        fired: list[Alert] = []
        for rule in self.live:
            fired.extend(self._fire(rule, now))
        if self.sender is not None:
            for alert in fired:
                self.sender.enqueue(alert)
        return fired

    def _fire(self, rule: AlertRule, now: datetime) -> list[Alert]:
        since = now - timedelta(seconds=rule.cooldown_s)
        candidates = self.store.named(
            QUERY_FOR_KIND[rule.kind],
            rule=rule.name,
            threshold=rule.threshold,
            since=since,
            platform=rule.platform or None,
        )
        alerts = []
        for row in candidates.iter_rows(named=True):
            with self.store.transaction() as cur:
                inserted = cur.execute(
                    "insert into alert_log (rule, article_id, fired_at, value) values (?, ?, ?, ?) "
                    "returning alert_id",
                    [rule.name, row["article_id"], now, row["value"]],
                ).fetchone()
            assert inserted is not None
            alerts.append(
                Alert(
                    int(inserted[0]),
                    rule,
                    int(row["article_id"]),
                    row["title"],
                    row["url"],
                    float(row["value"]),
                    now,
                    f"{self.dashboard_url}/article/{row['article_id']}",
                )
            )
        return alerts

    def _record(self, alert: Alert, status: str, attempts: int, error: str | None) -> None:
        """The sender's outcome, written back to alert_log (errors are already redacted)."""
        delivered = self.clock.now() if status == "sent" else None
        with self.store.transaction() as cur:
            cur.execute(
                "update alert_log set status = ?, attempts = ?, delivered_at = ?, last_error = ? "
                "where alert_id = ?",
                [status, attempts, delivered, error, alert.alert_id],
            )

    def test(self, rule_name: str | None = None) -> list[tuple[str, str | None]]:
        """Send a sample message through each chosen rule's webhook now: (rule, error or None)."""
        return send_test(self.rules, self.dashboard_url, self.clock, self.redactor, rule_name)

    def close(self, drain_s: float = 2.0) -> None:
        if self.sender is not None:
            self.sender.close(drain_s)


def rule_states(
    config: AlertsConfig, redactor: Redactor, environ: Mapping[str, str] | None = None
) -> list[RuleState]:
    """Each rule with its webhook read from the environment (or why it is off)."""
    source = os.environ if environ is None else environ
    states = []
    for rule in config.rules:
        value = source.get(rule.webhook_env, "").strip()
        if value:
            secret = Secret(value, rule.webhook_env)
            redactor.add([secret])
            states.append(RuleState(rule, secret))
        else:
            states.append(RuleState(rule, None, f"${rule.webhook_env} is not set"))
    return states


def send_test(
    states: list[RuleState],
    dashboard_url: str,
    clock: Clock,
    redactor: Redactor,
    rule_name: str | None = None,
) -> list[tuple[str, str | None]]:
    """`tracker alerts test`: a sample message through each chosen rule's webhook, synchronously."""
    chosen = [s for s in states if rule_name in (None, s.rule.name)]
    if not chosen:
        names = ", ".join(s.rule.name for s in states) or "none configured"
        raise ConfigError(f"no alert rule named {rule_name!r}; rules: {names}")
    import httpx

    results: list[tuple[str, str | None]] = []
    with httpx.Client(timeout=10.0, follow_redirects=False) as client:
        for state in chosen:
            if state.webhook is None:
                results.append((state.rule.name, state.why_off))
                continue
            sample = Alert(
                0,
                state.rule,
                0,
                "Test alert from virality-tracker",
                f"{dashboard_url}/",
                state.rule.threshold,
                clock.now(),
                f"{dashboard_url}/",
            )
            results.append((state.rule.name, post(client, state.webhook, sample, redactor)))
    return results
