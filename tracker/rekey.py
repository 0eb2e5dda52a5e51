"""Re-canonicalising stored article URLs after the canonical rules change, so an article
tracked under its old key (http://www.example.com/a/) and one discovered under the new key
(https://example.com/a/) stay one article. Runs when migration 0025 is applied (the default
rules changed) and when the per-site rules of the [[sites]] entries change
(`tracker.site_rules`); every change is recorded in `url_rekeys`, and no sample is touched
(items keep their ids; an article whose new key already exists gives its items to that one)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Protocol

import duckdb

from tracker.errors import UnknownURL
from tracker.urls import NO_RULES, UrlRules, canonicalize, site_of


class Writable(Protocol):
    """What re-keying needs of the store (the Store calls it while opening: no import back)."""

    def transaction(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...


TRIGGER = "0025_url_rekeys"


def rekey_articles(store: Writable, rules: UrlRules = NO_RULES) -> tuple[int, int]:
    """(renamed, merged): articles whose key changed, and of those how many joined another."""
    with store.transaction() as cur:
        return rekey_in(cur, rules, datetime.now(UTC))


def rekey_in(cur: duckdb.DuckDBPyConnection, rules: UrlRules, now: datetime) -> tuple[int, int]:
    """`rekey_articles` inside a transaction the caller holds (site_rules writes its table in it)."""
    renamed = merged = 0
    rows = cur.execute("select article_id, url from tracked_articles order by article_id").fetchall()
    for article_id, url in rows:
        try:
            new = canonicalize(url, rules)
        except UnknownURL:
            continue
        if new == url:
            continue
        existing = cur.execute("select article_id from tracked_articles where url = ?", [new]).fetchone()
        if existing is None:
            cur.execute(
                "update tracked_articles set url = ?, site = ? where article_id = ?",
                [new, site_of(new, rules), article_id],
            )
        else:
            cur.execute("update items set article_id = ? where article_id = ?", [existing[0], article_id])
            cur.execute("delete from tracked_articles where article_id = ?", [article_id])
            merged += 1
        cur.execute(
            "insert or replace into url_rekeys values (?, ?, ?, ?)", [url, new, existing is not None, now]
        )
        renamed += 1
    return renamed, merged
