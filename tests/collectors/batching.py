"""Sampling a list longer than one batch the way the runner does: `tracker.runner.batches`
splits it (collectors never split again), and each batch is one `sample()` call."""

from __future__ import annotations

from collections.abc import Sequence

from tracker.assembly import Active
from tracker.collector import Gone, Sample, Target
from tracker.runner import batches


def _itself(target: Target) -> Target:
    return target


def sample_in_batches(active: Active, targets: Sequence[Target]) -> list[Sample | Gone]:
    return [
        record for batch in batches(active, targets, _itself) for record in active.collector.sample(batch)
    ]
