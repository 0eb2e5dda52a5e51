"""The daemon spends each platform's whole request budget every tick: when fewer items are due
than its rate allows, the rest goes to the items closest to due (`cadence.pick`'s spare), in
full batches, and never more than the rate. The real daemon (APScheduler) against the
simulator over real HTTP on 127.0.0.1, with requests counted on the simulator's side."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx

from tracker.config import Config, DaemonConfig, PlatformConfig, StorageConfig
from tracker.owner.daemon import Daemon
from tracker.registry import load as load_registry
from tracker.service import open_collection

HN_ITEMS = [str(70_000_000 + i) for i in range(300)]
X_ITEMS = [str(1_970_000_000_000_000_000 + i) for i in range(4000)]
ROUTES = {"hackernews": "/hackernews/firebase/v0/item/<item_id>.json", "x": "/x/api/2/tweets"}
WARM_S, STEADY_S = 2.5, 5.0


def _served(sim_url: str) -> dict[str, int]:
    counts = httpx.get(f"{sim_url}/_sim/state", timeout=10).raise_for_status().json()["requests"]
    return {name: int(counts.get(route, 0)) for name, route in ROUTES.items()}


def test_every_tick_spends_the_whole_budget_on_the_items_closest_to_due(sim, tmp_path):
    overrides = sim.overrides()
    config = Config(
        storage=StorageConfig(path=str(tmp_path / "spare.duckdb"), export_every_s=0),
        daemon=DaemonConfig(tick_s=1, discover_every_s=3600, share_search_every_s=86400),
        platforms={  # only these two; every other registered platform is off
            name: PlatformConfig(name, name in ROUTES, overrides.get(name, {}) if name in ROUTES else {})
            for name in load_registry(entry_point_group=None)
        },
    )
    for platform, keys in (("hackernews", HN_ITEMS), ("x", X_ITEMS)):
        httpx.post(
            f"{sim.url}/_sim/posts", json={"platform": platform, "keys": keys}, timeout=60
        ).raise_for_status()
    opened = open_collection(config, environ={"X_BEARER_TOKEN": "sim|token-123456"})
    store = opened.collection.store
    now = datetime.now(UTC)
    # Nothing is due (next due in an hour); item i was last sampled 600 + i s ago, so the higher
    # i, the closer to due (urgency = time since the last sample / interval).
    with store.transaction() as cur:
        for platform, keys in (("hackernews", HN_ITEMS), ("x", X_ITEMS)):
            cur.execute(
                """insert into items (platform, item_key, tracked_at, last_sampled_at, next_due_at)
                   select ?, k, ?, ? - to_seconds(600 + i), ?
                   from (select unnest(?::varchar[]) as k, generate_subscripts(?::varchar[], 1) as i)""",
                [platform, now - timedelta(hours=3), now, now + timedelta(hours=1), keys, keys],
            )
    before = _served(sim.url)
    daemon = Daemon(opened)
    try:
        started = time.monotonic()
        daemon.start()
        time.sleep(WARM_S)  # the first round starts a second after the daemon
        steady_from, steady_before = time.monotonic(), _served(sim.url)
        time.sleep(STEADY_S)
        steady_s, steady = time.monotonic() - steady_from, _served(sim.url)
        daemon.shutdown(drain_s=10)
        elapsed = time.monotonic() - started
        served = {name: n - before[name] for name, n in _served(sim.url).items()}
        for name in ROUTES:
            limits = opened.collection.active[name].limits
            rate = limits.requests / limits.per_seconds
            # Never above the rate over the whole run (one request's fraction may carry over) ...
            assert served[name] <= rate * elapsed + 1, (name, served[name], rate * elapsed)
            # ... and all of it in the steady window, though nothing was due (one tick's worth
            # of slack either way: rounds come once a tick).
            in_window = steady[name] - steady_before[name]
            assert in_window >= rate * (steady_s - 1) - 1, (name, in_window, rate * steady_s)
        sampled = dict(
            store.df(
                "select platform, count(distinct item_id) from samples join items using (item_id) group by all"
            ).rows()
        )
        assert sampled["x"] == 100 * served["x"]  # every X request carried its batch maximum
        assert sampled["hackernews"] == served["hackernews"]
        # The spare requests went to the items closest to due, in that order.
        taken = store.df(
            "select item_key from samples join items using (item_id) where platform = 'hackernews'"
        )["item_key"].unique()
        expected = set(HN_ITEMS[len(HN_ITEMS) - len(taken) :])
        assert set(taken.to_list()) == expected
    finally:
        opened.close()
