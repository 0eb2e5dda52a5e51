"""`tracker shell`: statements end at ';', dot-commands, errors keep the prompt alive,
completion of the public names; run against a real DuckDB file through the read-only guard."""

from __future__ import annotations

import io

import pytest

from tracker import query
from tracker.shell import Shell, completions, public_objects
from tracker.store import Store


@pytest.fixture
def shell(tmp_path):
    with Store.open(tmp_path / "s.duckdb") as store:
        out, err = io.StringIO(), io.StringIO()
        yield Shell(lambda sql: query.run(store, sql, 5.0), "a file", out, err), out, err


def test_statements_span_lines_until_a_semicolon(shell):
    sh, out, err = shell
    sh.loop(io.StringIO("select 1 as a,\n  2 as b;\nselect 'x' as c;\n"))
    assert "a  b" in out.getvalue() and "(1 row)" in out.getvalue()
    assert "c\n-\nx" in out.getvalue()
    assert err.getvalue() == ""


def test_a_refused_statement_says_why_and_the_shell_goes_on(shell):
    sh, out, err = shell
    sh.loop(io.StringIO("drop table samples;\nselect count(*) as n from samples;\n"))
    assert "only read-only queries" in err.getvalue()
    assert "n\n-\n0" in out.getvalue()


def test_dot_commands(shell):
    sh, out, err = shell
    sh.loop(io.StringIO(".tables\n.format csv\nselect 1 as a;\n.bogus\n.quit\nselect 2 as never;\n"))
    text = out.getvalue()
    assert "most_popular" in text and "metric_catalog" in text
    assert "a\n1\n" in text and "never" not in text
    assert "unknown command '.bogus'" in err.getvalue()


def test_completion_offers_views_macros_and_keywords():
    names = public_objects()
    assert {"most_popular", "trending", "engagement", "articles"} <= set(names)
    assert completions("most", names)[0] == "most_popular"
    assert "select" in completions("SEL", names)
