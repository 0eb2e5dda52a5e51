"""`/metrics` in the Prometheus text exposition format (version 0.0.4).

Everything is derived from the `runs` and `items` tables through two named queries in
`sql/queries/`, so the numbers Prometheus scrapes are the ones `tracker status` and the
Health page show, and they survive restarts (`runs` is append-only, so counters only grow).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from tracker.store import Store

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
ROUND_BOUNDS: tuple[float, ...] = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


@dataclass(frozen=True)
class Family:
    """One metric family: its name, type, help line and the column of the counters query."""

    name: str
    kind: str  # counter | gauge
    help: str
    column: str
    per_kind: bool = True  # labelled by round kind as well as platform


COUNTERS: tuple[Family, ...] = (
    Family("tracker_requests_total", "counter", "HTTP requests sent to the platform's API.", "requests"),
    Family("tracker_errors_total", "counter", "Errors recorded during collection rounds.", "errors"),
    Family(
        "tracker_throttled_rounds_total",
        "counter",
        "Rounds ended by the platform's rate limit or quota.",
        "throttled_rounds",
    ),
    Family("tracker_samples_total", "counter", "Items sampled (one observation each).", "samples"),
    Family("tracker_rounds_ok_total", "counter", "Rounds that finished ok or partial.", "rounds_ok"),
    Family("tracker_rounds_failed_total", "counter", "Rounds that failed outright.", "rounds_failed"),
    Family(
        "tracker_backlog_items", "gauge", "Tracked items due for a sample now.", "backlog", per_kind=False
    ),
    Family("tracker_tracked_items", "gauge", "Items being sampled (not gone).", "tracked", per_kind=False),
)


def render(store: Store) -> str:
    """The whole exposition as text, ending with a newline."""
    counters = store.named("prometheus_counters").to_dicts()
    durations = store.named("prometheus_round_durations", bounds=list(ROUND_BOUNDS)).to_dicts()
    lines = [*_families(counters), *_histogram(durations)]
    return "\n".join(lines) + "\n"


def _families(rows: list[dict[str, Any]]) -> Iterator[str]:
    for family in COUNTERS:
        yield f"# HELP {family.name} {family.help}"
        yield f"# TYPE {family.name} {family.kind}"
        for row in rows:
            value = row[family.column]
            if value is None:
                continue
            labels = {"platform": row["platform"]}
            if family.per_kind:
                labels["kind"] = row["kind"]
            yield f"{family.name}{_labels(labels)} {_number(value)}"


def _histogram(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    name = "tracker_round_duration_seconds"
    yield f"# HELP {name} Wall-clock duration of finished collection rounds."
    yield f"# TYPE {name} histogram"
    series: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        series.setdefault((row["platform"], row["kind"]), []).append(row)
    for (platform, kind), buckets in series.items():
        base = {"platform": platform, "kind": kind}
        for bucket in buckets:
            yield f"{name}_bucket{_labels({**base, 'le': _number(bucket['le'])})} {bucket['at_most']}"
        total = buckets[0]["total"]
        yield f"{name}_bucket{_labels({**base, 'le': '+Inf'})} {total}"
        yield f"{name}_sum{_labels(base)} {_number(buckets[0]['seconds_sum'] or 0.0)}"
        yield f"{name}_count{_labels(base)} {total}"


def _labels(labels: dict[str, str]) -> str:
    inner = ",".join(f'{key}="{_escape(str(value))}"' for key, value in labels.items())
    return "{" + inner + "}"


def _escape(value: str) -> str:
    """Label values escape backslash, double quote and newline (the format's only rules)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))
