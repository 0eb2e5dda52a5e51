"""Re-canonicalising stored article URLs after the canonical rules change, so an article
tracked under its old key (http://www.example.com/a/) and one discovered under the new key
(https://example.com/a/) stay one article. Runs once, when migration 0025 is applied; every
change is recorded in `url_rekeys`, and no sample is touched (items keep their ids)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Protocol

import duckdb

from tracker.errors import UnknownURL
from tracker.urls import canonicalize


class Writable(Protocol):
    """What re-keying needs of the store (the Store calls it while opening: no import back)."""

    def transaction(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...


TRIGGER = "0025_url_rekeys"


def rekey_articles(store: Writable) -> tuple[int, int]:
    """(renamed, merged): articles whose key changed, and of those how many joined another."""
    renamed = merged = 0
    now = datetime.now(UTC)
    with store.transaction() as cur:
        rows = cur.execute("select article_id, url from tracked_articles order by article_id").fetchall()
        for article_id, url in rows:
            try:
                new = canonicalize(url)
            except UnknownURL:
                continue
            if new == url:
                continue
            existing = cur.execute("select article_id from tracked_articles where url = ?", [new]).fetchone()
            if existing is None:
                cur.execute("update tracked_articles set url = ? where article_id = ?", [new, article_id])
            else:
                cur.execute("update items set article_id = ? where article_id = ?", [existing[0], article_id])
                cur.execute("delete from tracked_articles where article_id = ?", [article_id])
                merged += 1
            cur.execute(
                "insert or replace into url_rekeys values (?, ?, ?, ?)", [url, new, existing is not None, now]
            )
            renamed += 1
    return renamed, merged
