"""What an alert says: one Slack-compatible text, or one generic JSON object. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker.config import AlertRule


@dataclass(frozen=True)
class Alert:
    """One decision to tell a channel about one article."""

    alert_id: int
    rule: AlertRule
    article_id: int
    title: str | None
    url: str
    value: float
    fired_at: datetime
    dashboard_url: str  # the article's page on our dashboard

    def headline(self) -> str:
        title = self.title or self.url
        if self.rule.kind == "gain":
            what = f"gained {self.value:,.0f} interactions in the last hour"
        elif self.rule.kind == "overperforms":
            what = f"has {self.value:,.1f}× the interactions its site's articles usually have at this age"
        else:
            what = f"is #{self.value:.0f} on Trending"
        where = f" on {self.rule.platform}" if self.rule.platform else ""
        return f"{title} {what}{where}"


def body(alert: Alert) -> dict[str, Any]:
    """The webhook payload in the rule's format."""
    if alert.rule.format == "slack":
        title = (alert.title or alert.url).replace("<", "‹").replace(">", "›").replace("|", "¦")
        text = (
            f":chart_with_upwards_trend: <{alert.url}|{title}> "
            f"{alert.headline().removeprefix(alert.title or alert.url).strip()} "
            f"(rule {alert.rule.name}) · <{alert.dashboard_url}|dashboard>"
        )
        return {"text": text}
    return {
        "rule": alert.rule.name,
        "kind": alert.rule.kind,
        "threshold": alert.rule.threshold,
        "platform": alert.rule.platform or None,
        "value": alert.value,
        "fired_at": alert.fired_at.isoformat(),
        "message": alert.headline(),
        "article": {
            "id": alert.article_id,
            "title": alert.title,
            "url": alert.url,
            "dashboard_url": alert.dashboard_url,
        },
    }
