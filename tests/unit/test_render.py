"""Rendering for people and tools: tables without Python reprs, CSV that accepts the list
columns rankings carry, timestamps labelled and shown in UTC."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

import polars as pl

from tracker.render import as_text, table


def _ranking() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "rank": [1, 2],
            "title": ["Drum duet", "Summit"],
            "interactions": [123456, 7],
            "platforms": [["bluesky", "reddit"], ["x"]],
            "published_at": [
                datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=-5))),
                datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
            ],
            "inputs": [{"gain": 10.0, "age_h": 2.0}, {"gain": 1.0, "age_h": 5.0}],
        }
    )


def test_table_shows_lists_and_counts_readably():
    text = table(_ranking())
    assert "bluesky, reddit" in text and "['bluesky'" not in text
    assert "123,456" in text
    assert "2026-11-23 14:30:00 UTC" in text  # -05:00 shown in UTC, and labelled


def test_csv_accepts_list_and_struct_columns():
    rows = list(csv.DictReader(io.StringIO(as_text(_ranking(), "csv"))))
    assert rows[0]["platforms"] == "bluesky; reddit"
    assert rows[1]["platforms"] == "x"
    assert '"gain": 10.0' in rows[0]["inputs"]
    assert rows[0]["interactions"] == "123456"  # machine-readable: no separators in CSV


def test_json_keeps_lists_as_lists():
    import json

    records = json.loads(as_text(_ranking(), "json"))
    assert records[0]["platforms"] == ["bluesky", "reddit"]
