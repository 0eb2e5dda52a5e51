"""`tracker export --window`: a window's samples as CSV or Parquet, streamed with progress,
timestamps in UTC and labelled so whatever the host's zone."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from tracker import catalog, export, timeseries
from tracker.collector import Sample
from tracker.errors import TrackerError
from tracker.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "e.duckdb") as s:
        aid, _ = catalog.upsert_article(
            s, "https://news.example.com/a/", NOW - timedelta(days=2), "manual", title="A"
        )
        catalog.ensure_item(s, "reddit", "p1", NOW - timedelta(days=2), article_id=aid)
        timeseries.write(
            s,
            [
                Sample("reddit", "p1", NOW - timedelta(hours=h), {"score": 100 - h, "comments": 5})
                for h in range(48)
            ],
        )
        yield s


def test_csv_export_of_a_window_has_its_samples_in_utc(store, tmp_path):
    calls: list[tuple[int, int]] = []
    out = tmp_path / "series.csv"
    n = export.series(store, NOW - timedelta(hours=6), NOW, out, "csv", lambda d, t: calls.append((d, t)))
    rows = list(csv.DictReader(out.open()))
    assert n == len(rows) == 12  # 6 hours (the start is exclusive) x 2 metrics
    assert calls[-1] == (12, 12)
    assert rows[0]["ts"].endswith("Z") and rows[0]["ts"].startswith("2026-11-20 07:00:00")
    assert {r["metric"] for r in rows} == {"score", "comments"}
    assert rows[0]["article_title"] == "A"


def test_parquet_export_streams_in_batches_with_progress(store, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "BATCH_ROWS", 10)
    calls: list[tuple[int, int]] = []
    out = tmp_path / "series.parquet"
    n = export.series(store, NOW - timedelta(days=3), NOW, out, "parquet", lambda d, t: calls.append((d, t)))
    frame = pl.read_parquet(out)
    assert n == frame.height == 96
    assert [d for d, _ in calls] == sorted({d for d, _ in calls}) and len(calls) >= 9
    assert frame.schema["ts"] == pl.Datetime("us", "UTC")
    assert not list(tmp_path.glob(".*.tmp"))  # renamed into place


def test_an_empty_window_writes_a_header_only_file(store, tmp_path):
    out = tmp_path / "none.csv"
    assert export.series(store, NOW + timedelta(days=1), NOW + timedelta(days=2), out) == 0
    assert out.read_text().splitlines()[0].startswith('"ts","platform"')


def test_unknown_format_is_refused(store, tmp_path):
    with pytest.raises(TrackerError, match="unknown export format 'xlsx'"):
        export.series(store, NOW - timedelta(hours=1), NOW, tmp_path / "x.xlsx", "xlsx")
