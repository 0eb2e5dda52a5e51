"""The Health page (`/health`): per platform its state (degraded or not, and why), last
success, error rate, budget used, backlog and last error, from the query `tracker status`
prints; each cell carries its label for the phone layout. (Overflow at 390 px is checked in
Chromium by test_browser.)"""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from dashboards import create_app
from tests.dashboards.conftest import Seeded
from tests.dashboards.test_pages import find, page, texts
from tracker import runlog


def seed_daemon_state(seeded: Seeded, error_kind: str, error: str, minutes_ago: float) -> None:
    """What a running daemon writes beside the seeded samples: Reddit's and X's budgets, Reddit's
    items 10 minutes overdue, and one error on X's latest run."""
    store, now = seeded.store, seeded.now
    with store.transaction() as cur:
        cur.execute(
            "insert into platform_limits values ('reddit', 100, 60, 100, 15, 1209600, ?),"
            " ('x', 3500, 900, 100, 15, 1209600, ?)",
            [now, now],
        )
        cur.execute(
            "update items set next_due_at = ? where platform = 'reddit'", [now - timedelta(minutes=10)]
        )
    run_id = store.df("select max(run_id) from runs where platform = 'x'").item()
    runlog.record_error(store, run_id, "x", None, now - timedelta(minutes=minutes_ago), error_kind, error)


def _client(seeded: Seeded) -> FlaskClient:
    """The seeded store plus what a running daemon writes: budgets, an error, a due queue."""
    seed_daemon_state(seeded, "RateLimited", "HTTP 429 throttled", minutes_ago=3)
    with seeded.store.transaction() as cur:
        cur.execute(
            "update items set next_due_at = ? where platform <> 'reddit'", [seeded.now + timedelta(hours=1)]
        )
    return create_app(seeded.store, refresh_s=0.5).server.test_client()


def _row(client: FlaskClient, platform: str, search: str = "") -> dict:
    table = find(page(client, "/health", search), className="health")[0]
    return find(table, **{"data-platform": platform})[0]


def _cell(row: dict, label: str) -> list[str]:
    return texts(find(row, **{"data-label": label}))


def test_health_shows_state_success_errors_budget_backlog_and_last_error(seeded: Seeded) -> None:
    client = _client(seeded)
    x = _row(client, "x")
    assert x["props"]["className"] == "degraded"  # throttled: marked degraded
    status = _cell(x, "Status")
    assert status[:2] == ["blocked", "degraded"] and status[-1] == "429 from api.x.com"
    assert status[2].startswith(f"until {seeded.now + timedelta(minutes=12):%H:%M:%S} UTC (in 1")
    assert _cell(x, "Last success") == ["never"]
    assert _cell(x, "Error rate") == ["50% (1 of 2 requests)"]
    assert _cell(x, "Budget used") == ["0.1% (2 of 3,500", " per 15 min)", "last hour 2 of 14,000"]
    assert _cell(x, "Backlog") == ["0 due, 0 overdue", "of 1 tracked"]
    assert _cell(x, "Last error") == ["3 min ago", "HTTP 429 throttled"]

    reddit = _row(client, "reddit")
    assert reddit["props"].get("className") is None
    assert _cell(reddit, "Status") == ["ok"]
    assert _cell(reddit, "Last success") == ["1 min ago"]
    assert _cell(reddit, "Error rate") == ["0% (0 of 4 requests)"]
    # Its round began 2 min ago: outside the current 60-s window, inside the last hour.
    assert _cell(reddit, "Budget used") == ["0% (0 of 100", " per 1 min)", "last hour 4 of 6,000"]
    assert _cell(reddit, "Backlog") == ["2 due, 2 overdue", "of 2 tracked", "late 10 min (max 10 min)"]
    assert _cell(reddit, "Last error") == ["–"]
    # A platform with no budget noted (not running) says so with a dash, not 0%.
    assert _cell(_row(client, "hackernews"), "Budget used") == ["–"]


def test_health_sorts_by_backlog_and_downloads_what_it_shows(seeded: Seeded) -> None:
    client = _client(seeded)
    table = find(page(client, "/health", "?sort=-backlog"), className="health")[0]
    order = [r["props"]["data-platform"] for r in find(table) if "data-platform" in r.get("props", {})]
    assert order[0] == "reddit"
    csv = client.get("/download/health.csv?sort=-backlog").get_data(as_text=True).splitlines()
    header = csv[0].split(",")
    assert {"state", "degraded", "last_error", "budget_used", "due_now", "overdue", "max_late_s"} <= set(
        header
    )
    assert csv[1].split(",")[header.index("platform")] == "reddit"
