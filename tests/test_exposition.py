"""/metrics exposition: derived from the runs and items tables, valid for Prometheus's own
checker (Debian's promtool), with counters and a round-duration histogram per platform."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from tracker import catalog, runlog
from tracker.observe.exposition import ROUND_BOUNDS, render
from tracker.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "metrics.duckdb") as s:
        yield s


def _round(store, platform, kind, seconds, requests, items, errors, status):
    run = runlog.start_run(store, platform, kind, NOW)
    runlog.finish_run(
        store, run, NOW + timedelta(seconds=seconds), {"requests": requests}, items, errors, status
    )


def _seeded(store):
    _round(store, "reddit", "sample", 0.3, 4, 100, 0, "ok")
    _round(store, "reddit", "sample", 7.0, 2, 40, 1, "partial")
    _round(store, "reddit", "sample", 1.0, 1, 0, 1, "rate_limited")
    _round(store, 'x"odd\\name', "shares", 0.05, 1, 0, 0, "ok")
    catalog.ensure_item(store, "reddit", "p1", NOW - timedelta(hours=1))  # due at once
    return render(store)


def _value(text, line_start):
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{line_start} not in exposition")


def test_counters_sum_the_recorded_rounds(store):
    text = _seeded(store)
    labels = '{platform="reddit",kind="sample"}'
    assert _value(text, f"tracker_requests_total{labels}") == 7
    assert _value(text, f"tracker_samples_total{labels}") == 140
    assert _value(text, f"tracker_errors_total{labels}") == 2
    assert _value(text, f"tracker_throttled_rounds_total{labels}") == 1
    assert _value(text, f"tracker_rounds_ok_total{labels}") == 2
    assert _value(text, 'tracker_backlog_items{platform="reddit"}') == 1


def test_round_durations_form_a_cumulative_histogram(store):
    text = _seeded(store)
    base = 'tracker_round_duration_seconds_bucket{platform="reddit",kind="sample",le='
    counts = [_value(text, f'{base}"{bound!r}"}}') for bound in map(float, ROUND_BOUNDS)]
    assert counts == sorted(counts)  # cumulative
    assert _value(text, f'{base}"0.5"}}') == 1 and _value(text, f'{base}"10.0"}}') == 3
    assert _value(text, f'{base}"+Inf"}}') == 3
    assert _value(
        text, 'tracker_round_duration_seconds_sum{platform="reddit",kind="sample"}'
    ) == pytest.approx(8.3)


def test_label_values_are_escaped(store):
    text = _seeded(store)
    assert 'platform="x\\"odd\\\\name"' in text


def test_promtool_accepts_the_exposition(store, tmp_path):
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: `make test` installs Debian's prometheus package"
    text = _seeded(store)
    done = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_empty_store_still_exposes_the_families(store):
    text = render(store)
    assert "# TYPE tracker_requests_total counter" in text
    assert "# TYPE tracker_round_duration_seconds histogram" in text
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: `make test` installs Debian's prometheus package"
    done = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
