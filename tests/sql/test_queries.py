"""Every canned query in sql/queries runs against a seeded store with the parameters its header
documents, and its header documents exactly the `$parameters` its SQL binds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.dashboards.conftest import Seeded, seed
from tracker import sqlfiles
from tracker.store import Store

_BOUND = re.compile(r"\$(\w+)")
QUERIES = [name.removeprefix("queries/") for name in sqlfiles.available("queries")]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    store = Store.open(tmp_path_factory.mktemp("queries") / "seeded.duckdb")
    try:
        yield seed(store, datetime.now(UTC).replace(microsecond=0))
    finally:
        store.close()


def _value(name: str, declared: str, seeded: Seeded) -> Any:
    """A value for a documented parameter: its default, or a seeded row's id when it has none."""
    kind, _, default = (part.strip() for part in declared.partition("="))
    if not default:
        assert name == "article_id", f"no default and no seeded value for ${name}"
        return seeded.ids["summit"]
    if default.upper().startswith("NULL"):
        return None
    if kind == "TIMESTAMPTZ":
        assert default == "now()", default
        return seeded.now
    if kind in ("INTEGER", "BIGINT"):
        return int(default)
    assert kind == "VARCHAR", f"${name}: undocumented type {kind!r}"
    return default.strip("'")


def test_there_are_canned_queries_to_check() -> None:
    assert {"most_popular", "status", "health", "tracked"} <= set(QUERIES)


@pytest.mark.parametrize("name", QUERIES)
def test_every_query_runs_with_its_documented_params(name: str, seeded: Seeded) -> None:
    file = sqlfiles.load(f"queries/{name}")
    assert {"title", "description", "grain"} <= set(file.meta), f"{name}.sql header"
    body = "\n".join(line for line in file.text.splitlines() if not line.lstrip().startswith("--"))
    assert set(_BOUND.findall(body)) == set(file.params), f"{name}.sql: header params vs $names in the SQL"
    params = {p: _value(p, declared, seeded) for p, declared in file.params.items()}
    rows = seeded.store.named(name, **params)
    assert rows.height > 0, f"{name} returned no rows on the seeded store"
