"""The rankings' building blocks: `item_window_gains` is `item_gains` for each of its windows
(a window given twice is still one), and an article's platforms kept as a bitmask come back as
the sorted list a list aggregate gave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracker import catalog, timeseries
from tracker.collector import Sample
from tracker.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "r.duckdb") as s:
        yield s


def _article_on(store: Store, platforms: list[str]) -> int:
    aid, _ = catalog.upsert_article(
        store,
        "https://news.example.com/2026/11/20/drums/",
        NOW - timedelta(hours=8),
        "manual",
        title="Drum duet",
        published_at=NOW - timedelta(hours=8),
    )
    for platform in platforms:
        catalog.ensure_item(
            store,
            platform,
            f"{platform}-1",
            NOW - timedelta(hours=7),
            article_id=aid,
            created_at=NOW - timedelta(hours=7),
        )
    return aid


def _sampled(store: Store, platforms: list[str]) -> int:
    """Every 25 minutes for 7 hours, counts growing at different paces per platform."""
    aid = _article_on(store, platforms)
    samples = [
        Sample(
            platform,
            f"{platform}-1",
            NOW - timedelta(minutes=m),
            {"likes": (430 - m) * (k + 2), "comments": (430 - m) // 7},
        )
        for k, platform in enumerate(platforms)
        for m in range(420, -1, -25)
    ]
    timeseries.write(store, samples)
    return aid


def _rows(store: Store, sql: str) -> list[tuple]:
    return sorted(store.cursor().execute(sql, [NOW]).fetchall())


@pytest.mark.parametrize(
    "windows",
    [
        ["30 minutes", "2 hours", "6 hours"],
        ["2 hours", "2 hours"],  # the same window twice
        ["1 hour"],
    ],
)
def test_each_window_of_item_window_gains_is_item_gains_of_that_window(store, windows) -> None:
    _sampled(store, ["reddit", "bluesky", "x"])
    wins = ", ".join(f"interval '{w}'" for w in windows)
    many = _rows(
        store,
        f"select span, item_id, metric, gained, end_value from item_window_gains([{wins}], as_of := ?)",
    )
    expected = []
    for w in dict.fromkeys(windows):
        one = _rows(
            store,
            f"select interval '{w}', item_id, metric, gained, end_value from item_gains(interval '{w}', as_of := ?)",
        )
        assert one, w  # every window holds samples
        expected += one
    assert many == sorted(expected)


def test_platform_list_of_the_bitmask_is_the_sorted_list_of_an_articles_platforms(store) -> None:
    aid = _article_on(store, ["x", "reddit", "bluesky", "reddit"])
    got = (
        store.cursor()
        .execute(
            """select platform_list(bit_or(platform_bit_of(b.bit)))
           from items as i join platform_bits() as b on b.platform = i.platform
           where i.article_id = ?""",
            [aid],
        )
        .fetchone()[0]
    )
    assert got == ["bluesky", "reddit", "x"]
