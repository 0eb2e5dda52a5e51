"""Stored article keys follow the new canonical rules without losing anything: an article stored
as http://www.example.com/a/ before migration 0025 becomes https://example.com/a/, a duplicate
is merged with its items, and samples stay where they were."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from tracker import migrations
from tracker.store import Store


def test_old_keys_are_rekeyed_and_duplicates_merged_once(tmp_path):
    path = tmp_path / "old.duckdb"
    folder = migrations.discover()
    before = [m for m in folder if m.name < "0025"]
    con = duckdb.connect(str(path))
    con.execute(migrations.BOOTSTRAP)
    for migration in before:  # the database as an older tracker left it
        con.execute(migration.text)
        con.execute(
            "insert into _migrations values (?, ?, ?)",
            [migration.name, migration.checksum, datetime.now(UTC)],
        )
    now = datetime(2026, 11, 1, tzinfo=UTC)
    for url in (
        "http://www.example.com/a/",
        "https://example.com/a/",
        "https://m.example.org/b/",
        "https://example.net/c/",
    ):
        con.execute(
            "insert into tracked_articles (url, discovered_at, source) values (?, ?, 'manual')", [url, now]
        )
    ids = dict(con.execute("select url, article_id from tracked_articles").fetchall())
    con.execute(
        "insert into items (platform, item_key, article_id, tracked_at, next_due_at) values ('reddit', 'r1', ?, ?, ?)",
        [ids["http://www.example.com/a/"], now, now],
    )
    con.execute(
        "insert into samples (item_id, metric, ts, value) values ((select item_id from items where item_key = 'r1'), 'score', ?, 5)",
        [now],
    )
    con.close()

    with Store.open(path) as store:
        urls = sorted(r[0] for r in store.cursor().execute("select url from tracked_articles").fetchall())
        assert urls == ["https://example.com/a/", "https://example.net/c/", "https://example.org/b/"]
        moved = (
            store.cursor()
            .execute(
                "select a.url from items i join tracked_articles a using (article_id) where i.item_key = 'r1'"
            )
            .fetchone()
        )
        assert moved == ("https://example.com/a/",)
        assert store.scalar("select sum(value) from samples") == 5
        log = sorted(store.cursor().execute("select old_url, new_url, merged from url_rekeys").fetchall())
        assert log == [
            ("http://www.example.com/a/", "https://example.com/a/", True),
            ("https://m.example.org/b/", "https://example.org/b/", False),
        ]
