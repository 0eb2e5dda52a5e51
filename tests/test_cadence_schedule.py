"""The schedule in a real DuckDB file: `catalog.due_items` takes due items in the order of
`tracker.cadence.urgency` under the round's budget, and a throttled round leaves the remaining
items' due times (and so their order) alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from tracker import cadence, catalog
from tracker.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _items(store: Store) -> dict[int, tuple[datetime | None, datetime]]:
    """Twelve items: (last sampled, next due) chosen so urgency and lateness disagree."""
    plan = {}
    rng = np.random.default_rng(11)
    for n in range(12):
        item_id, _ = catalog.ensure_item(store, "hackernews", f"k{n}", NOW - timedelta(days=1))
        if n < 2:
            plan[item_id] = (None, NOW - timedelta(days=1))  # never sampled
            continue
        interval = timedelta(seconds=float(rng.uniform(120, 20_000)))
        last = NOW - interval * float(rng.uniform(0.5, 6.0))
        plan[item_id] = (last, last + interval)
    with store.transaction() as cur:
        for item_id, (last, due) in plan.items():
            cur.execute(
                "update items set last_sampled_at = ?, next_due_at = ? where item_id = ?",
                [last, due, item_id],
            )
    return plan


def test_due_items_follow_the_policys_urgency_under_the_budget(tmp_path):
    with Store.open(tmp_path / "c.duckdb") as store:
        plan = _items(store)
        ids = list(plan)
        since = np.array(
            [np.nan if last is None else (NOW - last).total_seconds() for last, _ in plan.values()]
        )
        interval = np.array(
            [1.0 if last is None else (due - last).total_seconds() for last, due in plan.values()]
        )
        expected = [ids[i] for i in cadence.pick(cadence.urgency(since, interval), budget=5)]
        got = [d.item_id for d in catalog.due_items(store, "hackernews", NOW, 5, NOW - timedelta(days=14))]
        assert got == expected
        # the oldest due time is not what decides: the order differs from "most overdue first"
        by_lateness = sorted(
            (i for i in ids if plan[i][1] <= NOW), key=lambda i: (plan[i][0] is not None, plan[i][1])
        )[:5]
        assert got != by_lateness


def test_a_throttled_round_leaves_every_items_due_time_alone(sim, sim_admin, tmp_path, clock, fast_http):
    import dataclasses

    from tracker.config import Config, PlatformConfig
    from tracker.runner import platform_available, sample_round
    from tracker.service import open_collection

    overrides = sim.overrides()
    config = Config(platforms={"x": PlatformConfig("x", True, overrides.get("x", {}))})
    config = dataclasses.replace(
        config, storage=dataclasses.replace(config.storage, path=str(tmp_path / "t.duckdb"))
    )
    opened = open_collection(
        config, clock=clock, environ={"X_BEARER_TOKEN": "sim|token-123456"}, http_options=fast_http
    )
    try:
        store = opened.collection.store
        now = clock.now()
        posts = [p for p in sim.world.posts["x"].values() if p.created_at <= sim.world.now()][:3]
        for n, post in enumerate(posts):
            item_id, _ = catalog.ensure_item(store, "x", post.key, now)
            with store.transaction() as cur:  # three different places in the queue
                cur.execute(
                    "update items set last_sampled_at = ?, next_due_at = ? where item_id = ?",
                    [now - timedelta(hours=2), now - timedelta(minutes=10 * (n + 1)), item_id],
                )
        before = store.df("select item_id, next_due_at from items order by item_id").rows()
        sim_admin("faults", {"platform": "x", "queue": ["429"]})
        assert sample_round(opened.collection, "x").status == "rate_limited"
        assert platform_available(opened.collection, "x").startswith("throttled until")
        after = store.df("select item_id, next_due_at from items order by item_id").rows()
        assert after == before  # no common retry time: the order is what it was
    finally:
        opened.close()
