"""The CLI as a user meets it: --help everywhere, one-line errors with a non-zero exit, secrets
never printed, and the commands that read and export a store."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tracker import catalog, timeseries
from tracker.cli import main
from tracker.collector import Sample
from tracker.store import Store


def _all_commands() -> list[list[str]]:
    out = []
    for name, command in main.commands.items():
        out.append([name])
        for sub in getattr(command, "commands", {}):
            out.append([name, sub])
    return out


@pytest.mark.parametrize("path", _all_commands(), ids=" ".join)
def test_every_command_has_help(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


@pytest.fixture
def db(tmp_path):
    from datetime import UTC, datetime, timedelta

    path = tmp_path / "cli.duckdb"
    now = datetime.now(UTC)
    with Store.open(path) as store:
        aid, _ = catalog.upsert_article(
            store,
            "https://news.example.com/a/",
            now,
            "manual",
            title="A story",
            published_at=now - timedelta(minutes=30),
        )
        catalog.ensure_item(
            store, "reddit", "abc", now, article_id=aid, created_at=now - timedelta(minutes=20)
        )
        timeseries.write(
            store, [Sample("reddit", "abc", now - timedelta(minutes=5), {"score": 42, "comments": 7})]
        )
    return path


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def test_sql_formats(db):
    out = _run(
        "--db",
        str(db),
        "sql",
        "select title, interactions from most_popular(interval 24 hour)",
        "--format",
        "json",
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == [{"title": "A story", "interactions": 49}]
    csv = _run(
        "--db",
        str(db),
        "sql",
        "select metric, value from latest_engagement order by metric",
        "--format",
        "csv",
    )
    assert csv.output.splitlines() == ["metric,value", "comments,7", "score,42"]
    table = _run("--db", str(db), "sql", "select 1 as one")
    assert "one" in table.output and "(1 row)" in table.output


def test_sql_parquet_needs_an_output_file_and_writes_it(db, tmp_path):
    assert _run("--db", str(db), "sql", "select 1", "--format", "parquet").exit_code != 0
    target = tmp_path / "out.parquet"
    assert (
        _run(
            "--db", str(db), "sql", "select * from articles", "--format", "parquet", "-o", str(target)
        ).exit_code
        == 0
    )
    import polars as pl

    assert pl.read_parquet(target)["title"].to_list() == ["A story"]


def test_top_list_status_and_export(db, tmp_path):
    top = _run("--db", str(db), "top", "--window", "1h", "--format", "json")
    assert json.loads(top.output)[0]["interactions"] == 49
    listed = _run("--db", str(db), "list", "--format", "json")
    assert json.loads(listed.output)[0]["key"] == "abc"
    assert _run("--db", str(db), "status").exit_code == 0
    exported = _run("--db", str(db), "export", "-o", str(tmp_path / "ex"))
    assert exported.exit_code == 0 and (tmp_path / "ex" / "latest_engagement.parquet").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["sql", "drop table samples"], "read-only"),
        (["sql", "select * from nowhere"], "nowhere"),
        (["top", "--window", "banana"], "bad window"),
        (["track", "gopher://example.org/x"], "not an http(s) URL"),
    ],
)
def test_bad_input_is_one_line_with_non_zero_exit_and_keeps_data(db, args, needle):
    result = _run("--db", str(db), *args)
    assert result.exit_code != 0
    assert needle in result.output and result.output.count("\n") == 1
    with Store.open(db, read_only=True) as store:
        assert store.scalar("select count(*) from samples") == 2


def test_config_show_names_env_vars_and_never_prints_secrets(tmp_path):
    secret = "tok-" + "s3cr3t" * 4
    result = _run("config", "show", env={"X_BEARER_TOKEN": secret, "TRACKER_CONFIG": ""})
    assert result.exit_code == 0
    assert "X_BEARER_TOKEN" in result.output and secret not in result.output
    assert "is set" in result.output


def test_missing_database_is_explained(tmp_path):
    result = _run("--db", str(tmp_path / "none.duckdb"), "sql", "select 1")
    assert result.exit_code != 0 and "tracker init" in result.output


def test_migrate_status_lists_applied_migrations(db):
    result = _run("--db", str(db), "migrate", "--status")
    assert result.exit_code == 0 and "0001_init  applied" in result.output


def test_usage_errors_are_one_line_with_exit_2():
    import subprocess
    import sys

    for args in (["top", "--limit", "0"], ["nosuch"], ["sql"]):
        result = subprocess.run(
            [sys.executable, "-m", "tracker", *args], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr


def test_config_show_is_valid_toml_that_loads_back(tmp_path):
    shown = _run("--config", "tracker.example.toml", "config", "show", env={"TRACKER_CONFIG": ""})
    assert shown.exit_code == 0
    copy = tmp_path / "shown.toml"
    copy.write_text(shown.output)
    again = _run("--config", str(copy), "config", "show")
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[1:] == shown.output.splitlines()[1:]


def test_top_refuses_an_unknown_platform(db):
    result = _run("--db", str(db), "top", "--platform", "myspace")
    assert result.exit_code != 0 and "unknown platform" in result.output
