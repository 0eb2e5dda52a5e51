"""Audits: the queries in `sql/audits/` that must return no rows on a healthy store.

They state invariants the schema cannot (DuckDB cannot alter a CHECK, so the metric vocabulary
is checked here and at write time). The test suite runs them; a `tracker check` command can
print `run(store)` as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tracker import sqlfiles
from tracker.store import Store


@dataclass(frozen=True)
class Audit:
    """One audit's answer: `rows` are the offending rows (none when the invariant holds)."""

    name: str  # "unknown_metrics"
    description: str
    rows: pl.DataFrame

    @property
    def passed(self) -> bool:
        return self.rows.is_empty()


def run(store: Store) -> list[Audit]:
    """Run every file in sql/audits/ (in name order) against the store."""
    return [
        Audit(file.name.removeprefix("audits/"), file.meta.get("description", ""), store.df(file.text))
        for file in sqlfiles.folder("audits")
    ]


def failures(store: Store) -> list[Audit]:
    """The audits that found rows."""
    return [audit for audit in run(store) if not audit.passed]
