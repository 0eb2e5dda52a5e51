"""The metric catalog (sql/seeds/metrics.csv) is the one source of the vocabulary: the table,
macros and view in the DuckDB file, the collectors' names, the runner's interactions and the
docs all agree with it; a new metric is one catalog line; stored names outside it are caught."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tracker import audits, catalog, collector, metrics, migrations, timeseries
from tracker.collector import check_metrics
from tracker.errors import ConfigError
from tracker.sqlfiles import sql_root
from tracker.store import Store

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_the_vocabulary_agrees_everywhere(tmp_path: Path) -> None:
    csv_catalog = metrics.load()
    names = [m.name for m in csv_catalog.metrics]
    assert len(names) >= 12 and "views" in names and "rank" in names
    with Store.open(tmp_path / "a.duckdb") as store:
        table = store.df("select name, kind, is_interaction, weight, label from metrics order by position")
        view = store.df("select metric, kind, is_interaction, weight, label, description from metric_catalog")
        macros = dict(
            store.df("select name, {'i': is_interaction(name), 'w': metric_weight(name)} from metrics").rows()
        )
    expected = [(m.name, m.kind, m.is_interaction, m.weight, m.label) for m in csv_catalog.metrics]
    assert table.rows() == expected  # CSV -> table, in file order
    assert [r[:5] for r in view.rows()] == expected  # table -> view (old column names kept)
    assert [r[5] for r in view.rows()] == [m.description for m in csv_catalog.metrics]
    for m in csv_catalog.metrics:  # table -> macros (literal lists written at start)
        assert macros[m.name] == {"i": m.is_interaction, "w": m.weight}, m.name
    # Python: the collector contract's names and the runner's interactions.
    assert tuple(m.name for m in csv_catalog.metrics if m.kind == "count") == collector.METRICS
    assert tuple(m.name for m in csv_catalog.metrics if m.kind == "gauge") == collector.GAUGES
    assert metrics.interactions() == {m.name for m in csv_catalog.metrics if m.is_interaction}
    assert "views" not in metrics.interactions() and "likes" in metrics.interactions()
    # Docs: the generated table in docs/sql.md is current and lists every metric.
    doc = (ROOT / "docs/sql.md").read_text(encoding="utf-8")
    assert metrics.with_docs_table(doc, csv_catalog) == doc, "run `make docs`"
    for m in csv_catalog.metrics:
        assert f"| {m.name} | {m.kind} |" in doc


def test_unknown_names_are_refused_at_write_time() -> None:
    check_metrics("x", {"likes": 3, "views": 10}, {"rank": 1.0})
    with pytest.raises(ValueError, match="unknown metric 'saves'"):
        check_metrics("x", {"saves": 3}, {})
    with pytest.raises(ValueError, match="unknown gauge 'likes'"):
        check_metrics("x", {}, {"likes": 1.0})  # a count is not a gauge


def _catalog_with_saves(tmp_path: Path) -> metrics.Catalog:
    path = tmp_path / "metrics.csv"
    shutil.copy(metrics.catalog_path(), path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("saves,count,true,1.0,Saves,posts saved for later (Instagram saved)\n")
    return metrics.load(path)


def _item_with(store: Store, counts: dict[str, int]) -> None:
    published = NOW - timedelta(hours=1)  # born inside the window, so its first samples count as gained
    article_id, _ = catalog.upsert_article(
        store, "https://news.example.com/saved/", NOW, "manual", published_at=published
    )
    item_id = catalog.ensure_item(store, "x", "1", NOW, article_id=article_id)[0]
    timeseries.write_rows(store, [(item_id, name, NOW, value) for name, value in counts.items()])


def test_adding_a_metric_is_one_catalog_line(tmp_path: Path) -> None:
    """docs/architecture.md "Adding a metric": the line flows to every place without other edits."""
    with_saves = _catalog_with_saves(tmp_path)
    assert with_saves.counts[-1] == "saves" and "saves" in with_saves.interactions
    check_metrics("x", {"saves": 4}, {}, with_saves)  # Python accepts it
    with Store.open(tmp_path / "a.duckdb", catalog=with_saves) as store:
        assert store.scalar("select kind from metric_catalog where metric = 'saves'") == "count"
        assert store.scalar("select is_interaction('saves') and metric_weight('saves') = 1.0") is True
        _item_with(store, {"likes": 5, "saves": 7, "views": 100})
        assert audits.failures(store) == []
        top = store.df(
            "select interactions, views, total_interactions from most_popular(interval 1 day, as_of := $t)",
            {"t": NOW},
        )
        assert top.rows() == [(12, 100, 12)]  # saves count as interactions, views do not
    assert "| saves | count | yes | 1 | Saves |" in metrics.docs_table(with_saves)
    # Reopened with today's catalog, the same rows are flagged: the catalog is the authority.
    with Store.open(tmp_path / "a.duckdb") as store:
        [failure] = audits.failures(store)
        assert failure.name == "unknown_metrics"
        assert failure.rows.rows() == [("samples", "saves", 1)]


def test_unknown_metrics_audit_passes_on_real_writes_and_catches_bad_rows(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.duckdb") as store:
        _item_with(store, {"likes": 5})
        item_id = store.scalar("select item_id from items")
        with store.transaction() as cur:
            cur.execute("insert into gauges values (?, 'rank', ?, 3)", [item_id, NOW])
        assert "unknown_metrics" in [a.name for a in audits.run(store)]
        assert audits.failures(store) == []
        with store.transaction() as cur:  # written past the Python check, e.g. by hand in SQL
            cur.execute(
                "insert into samples (item_id, metric, ts, value) values (?, 'rank', ?, 3)", [item_id, NOW]
            )
            cur.execute("insert into gauges values (?, 'pageviews', ?, 3)", [item_id, NOW])
        [failure] = audits.failures(store)
        assert failure.rows.rows() == [("gauges", "pageviews", 1), ("samples", "rank", 1)]


def test_migration_0003_keeps_every_row_and_drops_only_the_name_checks(tmp_path: Path) -> None:
    old = tmp_path / "migrations"
    old.mkdir()
    for path in sorted((sql_root() / "migrations").glob("*.sql"))[:2]:
        shutil.copy(path, old / path.name)
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrations.migrate(con, old)
    con.execute(
        "insert into samples (item_id, metric, ts, value) values (1, 'likes', ?, 5), (1, 'views', ?, 50)",
        [NOW, NOW],
    )
    con.execute("insert into gauges values (1, 'rank', ?, 2.0)", [NOW])
    with pytest.raises(duckdb.ConstraintException):
        con.execute("insert into samples (item_id, metric, ts, value) values (1, 'saves', ?, 1)", [NOW])
    con.close()
    with Store.open(path) as store:
        assert store.df("select metric, value from samples order by metric").rows() == [
            ("likes", 5),
            ("views", 50),
        ]
        assert store.df("select gauge, value from gauges").rows() == [("rank", 2.0)]
        with store.transaction() as cur:
            cur.execute(
                "insert into samples (item_id, metric, ts, value) values (1, 'saves', ?, 1)", [NOW]
            )  # the catalog decides now
        with pytest.raises(duckdb.ConstraintException), store.transaction() as cur:
            cur.execute(
                "insert into samples (item_id, metric, ts, value) values (1, 'likes', ?, -1)",
                [NOW + timedelta(1)],
            )
        # Writes stay idempotent (migration 0040 dropped the key; the write path checks instead).
        assert timeseries.write_rows(store, [(1, "likes", NOW, 6)]) == 0
        assert store.scalar("select count(*) from samples where metric = 'likes'") == 1
        assert store.scalar("select count(*) from engagement") == 0  # views over the rebuilt tables work


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("saves,tally,true,1.0,Saves,x", "metrics.csv line 14: kind must be count or gauge"),
        ("saves,count,maybe,1.0,Saves,x", "metrics.csv line 14: is_interaction must be true or false"),
        ("saves,count,true,lots,Saves,x", "metrics.csv line 14: weight must be a number"),
        ("Saves,count,true,1.0,Saves,x", "metrics.csv line 14: metric name 'Saves' must be lower_snake_case"),
        ("pos,gauge,true,1.0,Pos,x", "metrics.csv line 14: a gauge is never an interaction"),
        ("likes,count,true,1.0,Likes,x", "metrics.csv: metric 'likes' is listed twice"),
    ],
)
def test_a_bad_catalog_line_is_one_clear_error(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text(metrics.catalog_path().read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        metrics.load(path)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
