"""Runs the data audits in sql/audits: queries that must return zero rows.

Each file names one thing that must never be true of the stored data (a negative gain, a
sample in the future, an orphan). `tracker check` and the test suite call `run`; a non-empty
result names the audit and shows the offending rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tracker import sqlfiles
from tracker.store import Store


@dataclass(frozen=True)
class AuditResult:
    name: str  # "audits/orphans"
    title: str
    rows: pl.DataFrame  # the offending rows; empty when the audit passes

    @property
    def passed(self) -> bool:
        return self.rows.is_empty()


def run(store: Store) -> list[AuditResult]:
    """Every audit, in name order."""
    return [AuditResult(f.name, f.title, store.df(f.text)) for f in sqlfiles.folder("audits")]


def failures(store: Store) -> list[AuditResult]:
    return [result for result in run(store) if not result.passed]
