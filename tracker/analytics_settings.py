"""Writes the [trending] configuration into the analytics_settings table.

The trending macro reads its constants from that table rather than from Python, so the
dashboards, `tracker sql` and an analyst's own DuckDB session compute the same score. The
owner calls `apply` after opening the store read-write (the defaults are seeded by migration
0015, so a file that never saw a config still scores with the evaluated defaults).
"""

from __future__ import annotations

import dataclasses

from tracker.config import TrendingConfig
from tracker.store import Store


def apply(store: Store, trending: TrendingConfig) -> None:
    """Overwrite every constant in one transaction (unknown names are a bug, so they fail)."""
    values = dataclasses.asdict(trending)
    with store.transaction() as cur:
        known = {row[0] for row in cur.execute("select name from analytics_settings").fetchall()}
        missing = sorted(set(values) - known)
        if missing:
            raise ValueError(f"analytics_settings has no row for {', '.join(missing)}")
        cur.executemany(
            "update analytics_settings set value = ? where name = ?",
            [(float(v), k) for k, v in values.items()],
        )


def current(store: Store) -> dict[str, float]:
    """The constants the SQL uses now."""
    return {str(k): float(v) for k, v in store.df("select name, value from analytics_settings").iter_rows()}
