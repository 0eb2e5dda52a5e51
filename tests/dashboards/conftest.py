"""A seeded store for the dashboard tests: four articles shared on four platforms, samples at
known offsets from the wall-clock `now` (the SQL macros rank relative to `now()`), and a few
collection rounds for the Health page.

Expected rankings (interactions gained = every count but views, summed over platforms):

    window  1h: Heatwave 332, Summit 150 (window start interpolated: test_data.py spells it out)
    window 6h/24h: Summit 1155, Heatwave 575
    window  7d: Summit 1155, Chess 720, Heatwave 575
    24h on reddit: Summit 1035, Heatwave 165; on hackernews: Heatwave 340
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracker import catalog, runlog, timeseries
from tracker.collector import Sample
from tracker.store import Store

SITE = "https://news.example.com"


@dataclass(frozen=True)
class Seeded:
    store: Store
    now: datetime
    ids: dict[str, int]  # "summit", "heatwave", "chess", "orchestra" -> article_id

    def ago(self, **delta: float) -> datetime:
        return self.now - timedelta(**delta)

    def write(self, platform: str, key: str, at: datetime, **metrics: int) -> None:
        timeseries.write(self.store, [Sample(platform, key, at, metrics)])


def _article(store: Store, now: datetime, slug: str, title: str, published: datetime) -> int:
    article_id, _ = catalog.upsert_article(
        store, f"{SITE}/{slug}/", now, "manual", title=title, section="world", published_at=published
    )
    return article_id


def seed(store: Store, now: datetime) -> Seeded:
    """Write the dataset described in the module docstring."""
    ids = {
        "summit": _article(store, now, "summit", "Summit ends in surprise deal", now - timedelta(hours=6)),
        "heatwave": _article(
            store, now, "heatwave", "Heatwave breaks decade-old record", now - timedelta(hours=2)
        ),
        "chess": _article(store, now, "chess", "Chess prodigy stuns grandmasters", now - timedelta(hours=30)),
        "orchestra": _article(
            store, now, "orchestra", "Orchestra plays final concert", now - timedelta(hours=1)
        ),
    }
    seeded = Seeded(store, now, ids)
    items = [  # platform, key, article, created minutes ago
        ("reddit", "r1", "summit", 300),
        ("bluesky", "b1", "summit", 240),
        ("reddit", "r2", "heatwave", 90),
        ("hackernews", "h2", "heatwave", 90),
        ("x", "x2", "heatwave", 100),
        ("hackernews", "h3", "chess", 28 * 60),
    ]
    for platform, key, slug, minutes in items:
        created = now - timedelta(minutes=minutes)
        catalog.ensure_item(
            store,
            platform,
            key,
            created,
            url=f"https://{platform}.example/{key}",
            article_id=ids[slug],
            created_at=created,
        )
    w, ago = seeded.write, seeded.ago
    w("reddit", "r1", ago(hours=5), score=10, comments=2)
    w("reddit", "r1", ago(hours=2), score=900, comments=80)
    w("reddit", "r1", ago(minutes=30), score=950, comments=85)
    w("bluesky", "b1", ago(hours=3), likes=20, reposts=5)
    w("bluesky", "b1", ago(minutes=30), likes=100, reposts=20)
    w("reddit", "r2", ago(minutes=80), score=50, comments=5)
    w("reddit", "r2", ago(minutes=20), score=150, comments=15)
    w("hackernews", "h2", ago(minutes=80), score=30, comments=3)
    w("hackernews", "h2", ago(minutes=10), score=300, comments=40)
    w("x", "x2", ago(minutes=10), likes=60, reposts=10, views=5000)
    w("hackernews", "h3", ago(hours=27), score=500, comments=100)
    w("hackernews", "h3", ago(hours=26), score=600, comments=120)
    # Hacker News front-page ranks (a gauge, never summed): what the forecaster reads.
    timeseries.write(
        store,
        [
            Sample("hackernews", "h2", ago(minutes=80), {}, gauges={"rank": 12.0}),
            Sample("hackernews", "h2", ago(minutes=10), {}, gauges={"rank": 3.0}),
        ],
    )

    ok = runlog.start_run(store, "reddit", "sample", ago(minutes=2))
    runlog.finish_run(store, ok, ago(minutes=1), {"requests": 4}, items_sampled=2, errors=0, status="ok")
    limited = runlog.start_run(store, "x", "sample", ago(minutes=3))
    runlog.finish_run(
        store,
        limited,
        ago(minutes=3),
        {"requests": 2, "rate_limit_waits": 1},
        items_sampled=0,
        errors=1,
        status="rate_limited",
    )
    runlog.set_platform_state(
        store,
        "x",
        ago(minutes=3),
        blocked_until=now + timedelta(minutes=12),
        blocked_reason="429 from api.x.com",
    )
    return seeded


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    """A fresh DuckDB file with the dataset above, `now` being the wall clock at seeding."""
    store = Store.open(tmp_path / "dash.duckdb")
    try:
        yield seed(store, datetime.now(UTC).replace(microsecond=0))
    finally:
        store.close()
