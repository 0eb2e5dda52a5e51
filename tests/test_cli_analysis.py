"""The analyst's commands as a user meets them: canned queries by name with checked
parameters, the read-only shell, audits, trending, CSV of nested columns, window exports in
UTC, alert tests against a real receiver, and JSON log lines."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from click.testing import CliRunner

from tracker import catalog, timeseries
from tracker.cli import main
from tracker.collector import Sample
from tracker.store import Store


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "cli.duckdb"
    now = datetime.now(UTC)
    with Store.open(path) as store:
        aid, _ = catalog.upsert_article(
            store, "https://news.example.com/a/", now, "manual", title="A story", published_at=now
        )
        catalog.ensure_item(
            store, "reddit", "abc", now, article_id=aid, created_at=now - timedelta(minutes=20)
        )
        catalog.ensure_item(
            store, "bluesky", "xyz", now, article_id=aid, created_at=now - timedelta(minutes=20)
        )
        timeseries.write(
            store,
            [
                Sample("reddit", "abc", now - timedelta(minutes=5), {"score": 42, "comments": 7}),
                Sample("bluesky", "xyz", now - timedelta(minutes=4), {"likes": 3}),
            ],
        )
    return path


def _run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=input, env=env)


def test_query_lists_the_canned_queries_with_their_parameters(db):
    out = _run("--db", str(db), "query", "--format", "csv")
    assert out.exit_code == 0, out.output
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(out.output))}
    assert "limit INTEGER = 10" in rows["most_popular"]["params"]
    assert rows["article_series"]["params"] == "article_id BIGINT"


def test_query_runs_by_name_with_checked_parameters(db):
    out = _run(
        "--db", str(db), "query", "most_popular", "-p", "win=6 hours", "-p", "limit=1", "--format", "json"
    )
    assert out.exit_code == 0, out.output
    assert [r["title"] for r in json.loads(out.output)] == ["A story"]
    bad = _run("--db", str(db), "query", "most_popular", "-p", "limt=1")
    assert bad.exit_code == 1
    assert (
        bad.output.strip()
        == "error: query most_popular has no parameter 'limt'; it takes win, platform, limit, as_of"
    )
    missing = _run("--db", str(db), "query", "article_series")
    assert missing.exit_code == 1 and "needs --param article_id" in missing.output
    typed = _run("--db", str(db), "query", "most_popular", "-p", "limit=ten")
    assert typed.exit_code == 1 and "must be INTEGER, got 'ten'" in typed.output


def test_csv_works_on_rankings_with_list_columns(db):
    out = _run("--db", str(db), "sql", "select * from most_popular(interval 24 hour)", "--format", "csv")
    assert out.exit_code == 0, out.output
    row = next(csv.DictReader(io.StringIO(out.output)))
    assert row["platforms"] == "bluesky; reddit"


def test_top_and_trending_print_readable_tables(db):
    for command in ("top", "trending"):
        out = _run("--db", str(db), command)
        assert out.exit_code == 0, out.output
        assert "A story" in out.output and "['" not in out.output
        assert "bluesky, reddit" in out.output
    assert _run("--db", str(db), "trending", "--platform", "myspace").exit_code == 1


def test_shell_reads_statements_from_a_pipe(db):
    out = _run("--db", str(db), "shell", input="select title from articles;\n.tables\ndelete from samples;\n")
    assert out.exit_code == 0, out.output
    assert "A story" in out.output and "most_popular" in out.output
    assert "only read-only queries" in out.output
    with Store.open(db, read_only=True) as store:
        assert store.scalar("select count(*) from samples") == 3  # nothing deleted


def test_check_runs_the_audits(db):
    out = _run("--db", str(db), "check")
    assert out.exit_code == 0, out.output
    assert "audit unknown_metrics: ok" in out.output and "config: ok" in out.output


def test_check_fails_on_a_broken_invariant(db):
    with Store.open(db) as store, store.transaction() as cur:
        timeseries.write_counts(
            cur, "select 1::bigint as item_id, 'fame' as metric, now() as ts, 1::bigint as value"
        )
    out = _run("--db", str(db), "check")
    assert out.exit_code == 1
    assert "audit unknown_metrics: 1 offending rows" in out.output
    assert "1 audit(s) found problems" in out.output


def test_export_of_a_window_is_utc_whatever_the_zone(db, tmp_path):
    out_file = tmp_path / "day.csv"
    out = _run(
        "--db", str(db), "export", "--window", "24h", "-o", str(out_file), env={"TZ": "America/New_York"}
    )
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(out_file.open()))
    assert len(rows) == 3 and all(r["ts"].endswith("Z") for r in rows)
    assert "wrote 3 samples" in out.output


def test_alerts_test_posts_to_a_real_receiver(tmp_path):
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = tmp_path / "t.toml"
    config.write_text(
        '[[alerts.rules]]\nname = "surge"\nthreshold = 100\nwebhook_env = "NEWSROOM_HOOK"\n'
        '[[alerts.rules]]\nname = "unset"\nthreshold = 5\nwebhook_env = "NOT_SET_HOOK"\n'
    )
    hook = f"http://127.0.0.1:{server.server_address[1]}/hook/secret-part"
    try:
        out = _run("--config", str(config), "alerts", "test", env={"NEWSROOM_HOOK": hook})
    finally:
        server.shutdown()
    assert out.exit_code == 1  # one rule could not send
    assert "surge: sent" in out.output and "unset: failed: $NOT_SET_HOOK is not set" in out.output
    assert "secret-part" not in out.output
    assert "Test alert" in received[0]["text"]


def test_json_log_lines(db):
    import subprocess
    import sys

    script = (
        "import logging; from tracker.logs import configure; configure(json_lines=True); "
        "logging.getLogger('tracker.runner').warning('reddit sample: %s', 'HTTP 503 after 3 tries')"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    entry = json.loads(done.stderr.strip())
    assert entry["level"] == "warning" and entry["logger"] == "tracker.runner"
    assert entry["message"] == "reddit sample: HTTP 503 after 3 tries"
    assert entry["ts"].endswith("+00:00")
    out = _run("--log-format", "json", "--db", str(db), "status")
    assert out.exit_code == 0, out.output
    assert _run("--log-format", "xml", "status").exit_code == 2
