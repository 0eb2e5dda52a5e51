"""Every canned query in sql/queries runs against a seeded store with the parameters its header
documents, and its header documents exactly the `$parameters` its SQL binds."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.dashboards.conftest import Seeded, seed
from tracker import age_marks, canned, catalog, sqlfiles, timeseries
from tracker.collector import Sample
from tracker.config import ForecastConfig
from tracker.forecast import fit
from tracker.store import Store

_BOUND = re.compile(r"\$(\w+)")
QUERIES = [name.removeprefix("queries/") for name in sqlfiles.available("queries")]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    store = Store.open(tmp_path_factory.mktemp("queries") / "seeded.duckdb")
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        seeded = seed(store, now)
        _quiet_history(store, now)
        fit.run(store, ForecastConfig(), seeded.now)  # forecasts, for the queries that read them
        yield seeded
    finally:
        store.close()


def _quiet_history(store: Store, now: datetime) -> None:
    """Ten older articles with 2 interactions each, their age marks stored: an expected curve, so
    alert_overperforms has stories above it (the seeded ones have far more)."""
    for k in range(10):
        born = now - timedelta(days=9, hours=k)
        aid, _ = catalog.upsert_article(store, f"https://old.example/{k}/", born, "manual", title=f"old {k}")
        catalog.ensure_item(store, "reddit", f"old-{k}", born, article_id=aid, created_at=born)
        timeseries.write(store, [Sample("reddit", f"old-{k}", born + timedelta(minutes=30), {"score": 2})])
    assert age_marks.refresh(store, now) > 0


REQUIRED_EXAMPLES = {
    "rule": "a-rule",
    "threshold": "1",
    "since": "2000-01-01T00:00:00Z",
    "until": "2100-01-01T00:00:00Z",
}


def _required(param: canned.Param, seeded: Seeded) -> str:
    """A value for a parameter without a default: a seeded row's id, or a wide example."""
    if param.name == "article_id":
        return str(seeded.ids["summit"])
    if param.name == "article_ids":
        return json.dumps(sorted(seeded.ids.values()))
    assert param.name in REQUIRED_EXAMPLES, f"no example value for required ${param.name}"
    return REQUIRED_EXAMPLES[param.name]


def test_there_are_canned_queries_to_check() -> None:
    assert {"most_popular", "health", "tracked"} <= set(QUERIES)


@pytest.mark.parametrize("name", QUERIES)
def test_every_query_runs_with_its_documented_params(name: str, seeded: Seeded) -> None:
    file = sqlfiles.load(f"queries/{name}")
    assert {"title", "description", "grain"} <= set(file.meta), f"{name}.sql header"
    body = "\n".join(line for line in file.text.splitlines() if not line.lstrip().startswith("--"))
    declared = canned.params_of(file)
    assert set(_BOUND.findall(body)) == {p.name for p in declared}, f"{name}.sql: header params vs $names"
    _, params = canned.bind(name, {p.name: _required(p, seeded) for p in declared if p.required})
    rows = seeded.store.named(name, **params)
    assert rows.height > 0, f"{name} returned no rows on the seeded store"
