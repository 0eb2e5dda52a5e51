"""The nowcast is defined once, in `sql/macros/75_nowcast.sql`; `tracker.cadence.velocity` and
`nowcast` are its Python mirror (the bench and the schedule use them). Both must give the same
estimate on a real DuckDB file, with the default curve and with a refitted one, and the daemon's
refit (`cadence.refit_curves`) must recover a platform's growth exponent and age offset from
stored samples."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tracker import cadence, catalog, timeseries
from tracker.collector import Sample
from tracker.config import CadenceConfig
from tracker.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CONFIG = CadenceConfig()


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "n.duckdb") as s:
        yield s


def _series(store: Store, platform: str, key: str, born_h: float, points: list[tuple[float, int]]) -> int:
    """An item created `born_h` hours before NOW, with (hours before NOW, score) samples."""
    item_id, _ = catalog.ensure_item(
        store, platform, key, NOW - timedelta(hours=born_h), created_at=NOW - timedelta(hours=born_h)
    )
    metric = "score" if platform == "hackernews" else "likes"
    timeseries.write(store, [Sample(platform, key, NOW - timedelta(hours=h), {metric: v}) for h, v in points])
    return item_id


def _python_nowcast(
    config: CadenceConfig, born_h: float, points: list[tuple[float, int]], as_of_h: float
) -> float:
    """The mirror: the last two samples at or before the as-of time, through cadence.velocity."""
    seen = sorted((h, v) for h, v in points if h >= as_of_h)  # hours before NOW, latest first
    (last_h, last_v), prev = seen[0], (seen[1] if len(seen) > 1 else None)
    obs = cadence.observed(
        [last_v],
        [(born_h - last_h) * 3600.0],
        [None if prev is None else prev[1]],
        [None if prev is None else (prev[0] - last_h) * 3600.0],
    )
    rate = cadence.velocity(obs, config)
    ahead = np.array([(last_h - as_of_h) * 3600.0])
    return float(cadence.nowcast(obs.total, rate, obs.age_s, ahead, config)[0])


CASES = {
    "grower": ("hackernews", 3.0, [(2.5, 10), (1.5, 80), (1.0, 150)]),
    "flat": ("hackernews", 8.0, [(6.0, 300), (2.0, 300)]),
    "one sample": ("hackernews", 0.5, [(0.4, 4)]),
    "sparse step": ("bluesky", 20.0, [(5.0, 1), (3.0, 1)]),
    "zero": ("bluesky", 2.0, [(1.9, 0), (1.0, 0)]),
}


def _sql(store: Store, as_of: datetime) -> dict[int, float]:
    rows = store.df("select item_id, nowcast from nowcast(as_of := $as_of)", {"as_of": as_of}).rows()
    return {int(i): float(v) for i, v in rows}


@pytest.mark.parametrize("as_of_h", [0.0, 0.75])
def test_the_sql_nowcast_and_its_python_mirror_agree(store, as_of_h):
    ids = {name: _series(store, p, name, born, pts) for name, (p, born, pts) in CASES.items()}
    got = _sql(store, NOW - timedelta(hours=as_of_h))
    for name, (_, born, pts) in CASES.items():
        if not any(h >= as_of_h for h, _ in pts):
            assert ids[name] not in got
            continue
        assert got[ids[name]] == pytest.approx(_python_nowcast(CONFIG, born, pts, as_of_h), rel=1e-9)
    # what the numbers mean: a grower keeps growing, a flat one barely moves
    assert got[ids["grower"]] > 150 + 15
    assert got[ids["flat"]] < 300 + 10


def test_a_refitted_curve_changes_both_alike(store):
    ids = {name: _series(store, p, name, born, pts) for name, (p, born, pts) in CASES.items()}
    before = _sql(store, NOW)
    with store.transaction() as cur:
        cur.execute("insert into cadence_curves values ('hackernews', 0.8, 600, 0.1, 50, ?)", [NOW])
    assert cadence.platform_cadence(store, "hackernews", CONFIG) == dataclasses.replace(
        CONFIG, growth_exponent=0.8, age_offset_s=600.0, burst_share=0.1
    )
    assert cadence.platform_cadence(store, "bluesky", CONFIG) == CONFIG
    after = _sql(store, NOW)
    steeper = dataclasses.replace(CONFIG, growth_exponent=0.8, age_offset_s=600.0)
    for name, (platform, born, pts) in CASES.items():
        config = steeper if platform == "hackernews" else CONFIG
        assert after[ids[name]] == pytest.approx(_python_nowcast(config, born, pts, 0.0), rel=1e-9)
    assert after[ids["grower"]] != pytest.approx(before[ids["grower"]])
    assert after[ids["zero"]] == before[ids["zero"]]


def test_refit_curves_recovers_each_platforms_curve_from_stored_samples(store):
    """Smooth power-law curves on Hacker News, the same curves with counts arriving in bursts
    on Bluesky (each sample lands anywhere between the previous count and the curve's)."""
    rng = np.random.default_rng(4)
    for n in range(cadence.MIN_OFFSET_ITEMS + 20):
        born_h = float(rng.uniform(12, 30))
        scale = float(rng.uniform(200, 4000))
        ages = np.sort(rng.uniform(0.2, born_h - 0.1, 6))

        def count(age_h: float, scale: float = scale, offset_s: float = CONFIG.age_offset_s) -> float:
            return scale * (age_h * 3600 + offset_s) ** 0.65 / 1000

        smooth = [(born_h - a, round(count(a, offset_s=600.0))) for a in ages]  # rising early
        _series(store, "hackernews", f"h{n}", born_h, smooth)
        bursty, level = [], 0.0
        for a in ages:
            level = max(level, count(a) * float(rng.uniform(0.3, 1.0)))
            bursty.append((born_h - a, round(level)))
        _series(store, "bluesky", f"b{n}", born_h, bursty)
    for n in range(3):  # too few items on Mastodon to fit: the configured curve
        _series(store, "mastodon", f"m{n}", 5.0, [(4.0, 10), (1.0, 30)])
    fitted = cadence.refit_curves(store, CONFIG, NOW)
    assert fitted["hackernews"].growth_exponent == pytest.approx(0.65, abs=0.03)
    assert fitted["hackernews"].age_offset_s == 600.0
    assert fitted["hackernews"].burst_share < 0.1
    assert fitted["bluesky"].burst_share > 0.4
    assert fitted["mastodon"] == CONFIG
    stored = store.df(
        "select platform, growth_exponent, age_offset_s, burst_share from cadence_curves"
    ).rows()
    assert {p: (b, o, s) for p, b, o, s in stored} == {
        p: (c.growth_exponent, c.age_offset_s, c.burst_share) for p, c in fitted.items()
    }
    assert cadence.platform_cadence(store, "bluesky", CONFIG) == fitted["bluesky"]
    # a later refit replaces the rows instead of failing on the key
    again = cadence.refit_curves(store, CONFIG, NOW + timedelta(hours=1))
    assert again.keys() == fitted.keys()
    for platform, curve in again.items():
        assert curve.burst_share == pytest.approx(fitted[platform].burst_share)
        assert curve.growth_exponent == pytest.approx(fitted[platform].growth_exponent)
