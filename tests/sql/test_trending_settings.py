"""The [trending] constants in the config reach the SQL: opening the store read-write (as the
owner and one-shot commands do) writes them into analytics_settings, which trending() reads."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from tracker.clock import FrozenClock
from tracker.config import Config
from tracker.service import open_collection


def test_open_collection_writes_the_configured_trending_constants(tmp_path):
    base = Config()
    config = dataclasses.replace(
        base,
        storage=dataclasses.replace(base.storage, path=str(tmp_path / "t.duckdb")),
        trending=dataclasses.replace(base.trending, decay_3h=0.4, short_span_minutes=20.0),
    )
    opened = open_collection(config, clock=FrozenClock(datetime(2026, 11, 20, tzinfo=UTC)), platforms={})
    try:
        values = dict(opened.collection.store.df("select name, value from analytics_settings").iter_rows())
    finally:
        opened.close()
    assert values["decay_3h"] == 0.4 and values["short_span_minutes"] == 20.0
    assert values["long_span_hours"] == base.trending.long_span_hours
