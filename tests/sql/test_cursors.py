"""High-water marks are typed and owned by the framework: a collector's Cursor value (any JSON
value) is stored as JSON and comes back decoded; a value that is not JSON is a ContractViolation
and stores nothing. "When was this article last searched on this platform" is its own table,
and the migration that made it moves the old share-search "cursors" into it."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import duckdb
import pytest

from tracker import catalog, cursors, migrations
from tracker.collector import Cursor
from tracker.errors import ContractViolation
from tracker.sqlfiles import sql_root
from tracker.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_cursor_values_come_back_with_their_json_types(tmp_path):
    validators = {"etag": '"abc"', "last_modified": "Mon, 12 May 2025 09:12:44 GMT"}
    with Store.open(tmp_path / "a.duckdb") as store:
        stored = cursors.save(
            store,
            [
                Cursor("feeds", "https://n.example/feed/", validators),
                Cursor("feeds", "site:https://n.example", {"newest": "2025-05-12T08:00:00+00:00"}),
                Cursor("hackernews", "newest_id", 41_000_000),
                Cursor("hackernews", "newest_id", 41_000_007),  # the last one of a run wins
            ],
            NOW,
        )
        assert stored == 3
        assert cursors.load(store, "feeds") == {
            "https://n.example/feed/": validators,
            "site:https://n.example": {"newest": "2025-05-12T08:00:00+00:00"},
        }
        assert cursors.load(store, "hackernews") == {"newest_id": 41_000_007}
        assert cursors.load(store, "reddit") == {}


def test_a_cursor_that_is_not_json_is_a_contract_violation_and_stores_nothing(tmp_path):
    with Store.open(tmp_path / "a.duckdb") as store:
        with pytest.raises(ContractViolation, match="feeds: cursor 'when' is not JSON-serialisable"):
            cursors.save(store, [Cursor("feeds", "ok", 1), Cursor("feeds", "when", NOW)], NOW)  # type: ignore[arg-type]
        assert cursors.load(store, "feeds") == {}


def test_share_searches_decide_which_articles_are_searched_next(tmp_path):
    with Store.open(tmp_path / "a.duckdb") as store:
        first, _ = catalog.upsert_article(store, "https://news.example.com/a/", NOW, "manual")
        second, _ = catalog.upsert_article(store, "https://news.example.com/b/", NOW, "manual")
        catalog.note_share_search(store, "reddit", first, 3, NOW)
        due = catalog.articles_for_share_search(
            store, "reddit", NOW, 600, 10, datetime(2026, 1, 1, tzinfo=UTC)
        )
        assert [a for a, _ in due] == [second]  # the one searched just now waits
        assert store.scalar("select found from share_searches where article_id = ?", [first]) == 3
        assert store.scalar("select count(*) from cursors") == 0


def test_migration_moves_share_search_rows_out_of_cursors(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in sorted((sql_root() / "migrations").glob("*.sql")):
        if path.name < "0010":
            shutil.copy(path, folder / path.name)
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    migrations.migrate(con, folder)
    con.execute(
        """insert into tracked_articles (url, discovered_at, source)
                   values ('https://news.example.com/a/', ?, 'manual')""",
        [NOW],
    )
    con.executemany(
        "insert into cursors values (?, ?, ?, ?)",
        [
            ("reddit", "shares:https://news.example.com/a/", "4", NOW),
            ("reddit", "shares:https://gone.example.com/x/", "1", NOW),  # no such article any more
            ("feeds", "https://n.example/feed/", '{"etag": "\\"abc\\""}', NOW),
            ("legacy", "newest", "not json", NOW),
        ],
    )
    shutil.copy(sql_root() / "migrations" / "0010_share_searches.sql", folder)
    assert migrations.migrate(con, folder) == ["0010_share_searches"]
    assert con.execute(
        "select platform, a.url, found, searched_at = ? from share_searches join tracked_articles a using (article_id)",
        [NOW],
    ).fetchall() == [("reddit", "https://news.example.com/a/", 4, True)]
    assert con.execute("select source, value from cursors order by source").fetchall() == [
        ("https://n.example/feed/", '{"etag": "\\"abc\\""}'),
        ("newest", '"not json"'),
    ]
