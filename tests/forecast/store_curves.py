"""Writes hand-made interaction curves into a real DuckDB store, through plain inserts into the
same tables the collectors fill (articles, items, gauges) and the write path for samples."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from tracker import timeseries
from tracker.store import Store

Curve = Callable[[float], float]  # age in hours -> cumulative interactions


def add_story(
    store: Store,
    n: int,
    born: datetime,
    curve: Curve,
    ages_h: Sequence[float],
    platform: str = "hackernews",
    site: str = "news.example.com",
    ranks: Callable[[float], float | None] | None = None,
) -> int:
    """One article with one item on `platform`, sampled at `ages_h`; returns the item id."""
    with store.transaction() as cur:
        cur.execute(
            "insert into tracked_articles (article_id, url, title, site, published_at, discovered_at, source) "
            "values (?, ?, ?, ?, ?, ?, 'manual')",
            [n, f"https://{site}/story-{n}", f"Story {n}", site, born, born],
        )
        cur.execute(
            "insert into items (item_id, platform, item_key, url, article_id, created_at, tracked_at, next_due_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            [n, platform, str(n), f"https://{site}/story-{n}", n, born, born, born],
        )
        rows = [(n, "score", born + timedelta(hours=a), round(curve(a))) for a in ages_h]
        if ranks is not None:
            gauge_rows = [
                (n, "rank", born + timedelta(hours=a), ranks(a)) for a in ages_h if ranks(a) is not None
            ]
            if gauge_rows:
                cur.executemany(
                    "insert into gauges (item_id, gauge, ts, value) values (?, ?, ?, ?)", gauge_rows
                )
    timeseries.write_rows(store, rows)  # counts go through the write path (it keeps series_latest)
    return n
