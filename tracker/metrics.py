"""The metric catalog: the one list of metric names, read from `sql/seeds/metrics.csv`.

Everything else derives from that file: the `metrics` table and the `is_interaction` /
`metric_weight` macros in the DuckDB file (`tracker.store`), the `metric_catalog` view, the
collector contract's `METRICS`/`GAUGES` (`tracker.collector`), the runner's notion of
"interactions" and the vocabulary table in docs/sql.md. Adding a metric is one line there.
The file is read on first use (cached), never at import.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

from tracker.errors import ConfigError
from tracker.sqlfiles import sql_root

COLUMNS = ("name", "kind", "is_interaction", "weight", "label", "description")
_BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class Metric:
    """One catalog line: a count (summable total) or a gauge (position, ratio)."""

    name: str
    kind: Literal["count", "gauge"]
    is_interaction: bool  # an act of engagement, summed into "interactions"
    weight: float  # its default weight in an interactions sum (0 for views and gauges)
    label: str  # short, for a page
    description: str


@dataclass(frozen=True)
class Catalog:
    """Every metric in file order (the order editors read them in)."""

    metrics: tuple[Metric, ...]

    @cached_property
    def counts(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics if m.kind == "count")

    @cached_property
    def gauges(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics if m.kind == "gauge")

    @cached_property
    def interactions(self) -> frozenset[str]:
        return frozenset(m.name for m in self.metrics if m.is_interaction)

    @cached_property
    def weights(self) -> Mapping[str, float]:
        return {m.name: m.weight for m in self.metrics}


def catalog_path() -> Path:
    return sql_root() / "seeds" / "metrics.csv"


@cache
def load(path: Path | None = None) -> Catalog:
    """The catalog from `path` (default: sql/seeds/metrics.csv), validated; cached per path."""
    path = path or catalog_path()
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise ConfigError(f"{path.name}: columns must be {', '.join(COLUMNS)}")
            rows = list(reader)
    except OSError as exc:
        raise ConfigError(f"cannot read the metric catalog {path}: {exc.strerror}") from None
    metrics = tuple(_metric(path.name, n, row) for n, row in enumerate(rows, start=2))
    names = [m.name for m in metrics]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ConfigError(f"{path.name}: metric {duplicate!r} is listed twice")
    return Catalog(metrics)


def _metric(file: str, line: int, row: dict[str, str]) -> Metric:
    where = f"{file} line {line}"
    name, kind_text = row["name"].strip(), row["kind"].strip()
    if not name.isidentifier() or name != name.lower():
        raise ConfigError(f"{where}: metric name {name!r} must be lower_snake_case")
    kind: Literal["count", "gauge"]
    if kind_text == "count":
        kind = "count"
    elif kind_text == "gauge":
        kind = "gauge"
    else:
        raise ConfigError(f"{where}: kind must be count or gauge, not {kind_text!r}")
    interaction = _BOOLEANS.get(row["is_interaction"].strip().lower())
    if interaction is None:
        raise ConfigError(f"{where}: is_interaction must be true or false")
    try:
        weight = float(row["weight"])
    except ValueError:
        raise ConfigError(f"{where}: weight must be a number, not {row['weight']!r}") from None
    if kind == "gauge" and (interaction or weight):
        raise ConfigError(f"{where}: a gauge is never an interaction and weighs 0")
    return Metric(name, kind, interaction, weight, row["label"].strip(), row["description"].strip())


def _quote(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def counts() -> tuple[str, ...]:
    """Names of counts (the `samples.metric` vocabulary)."""
    return load().counts


def gauges() -> tuple[str, ...]:
    """Names of gauges (the `gauges.gauge` vocabulary)."""
    return load().gauges


def interactions() -> frozenset[str]:
    """Counts that are acts of engagement (every count but views, today)."""
    return load().interactions


DOCS_BEGIN = "<!-- metric catalog: generated from sql/seeds/metrics.csv by `make docs` -->"
DOCS_END = "<!-- end of the generated metric catalog -->"


def docs_table(catalog: Catalog) -> str:
    """The vocabulary table of docs/sql.md, between its markers."""
    lines = [
        DOCS_BEGIN,
        "| metric | kind | interaction | weight | label | what it counts |",
        "|---|---|---|---|---|---|",
    ]
    for m in catalog.metrics:
        interaction = "yes" if m.is_interaction else "no"
        lines.append(f"| {m.name} | {m.kind} | {interaction} | {m.weight:g} | {m.label} | {m.description} |")
    return "\n".join([*lines, DOCS_END])


def with_docs_table(text: str, catalog: Catalog) -> str:
    """`text` (docs/sql.md) with its generated vocabulary table replaced by the current one."""
    start, end = text.find(DOCS_BEGIN), text.find(DOCS_END)
    if start < 0 or end < start:
        raise ConfigError("the docs page has no generated metric catalog markers")
    return text[:start] + docs_table(catalog) + text[end + len(DOCS_END) :]


if __name__ == "__main__":  # `make docs`: python -m tracker.metrics docs/sql.md
    import sys

    page = Path(sys.argv[1])
    page.write_text(with_docs_table(page.read_text(encoding="utf-8"), load()), encoding="utf-8")
