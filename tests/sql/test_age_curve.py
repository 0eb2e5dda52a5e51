"""The trending score's age curve (sql/macros/93_age_decay.sql) on a real DuckDB file: the decay
and the age-dependent weights are given point by point at listed ages, interpolated between them and
held after the last; bench/trending.py's Polars mirror must compute the same values."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest

from tracker import analytics_settings
from tracker.config import TrendingConfig
from tracker.store import Store

AGES = [0.0, 0.25, 1.0, 2.5, 3.0, 4.0, 7.0, 11.9, 12.0, 13.5, 17.0, 20.0, 24.0, 30.0, 48.0, 49.0, 500.0]


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "a.duckdb") as s:
        yield s


def _bench() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "trending.py"
    spec = importlib.util.spec_from_file_location("bench_trending", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WEIGHTS = ("short_weight", "mid_weight", "long_weight", "size_weight", "rank_weight", "rank_slope")


def _sql_curves(store: Store) -> pl.DataFrame:
    weights = ", ".join(
        f"weight_at_age(age, c.{name}_0h, c.{name}_3h, c.{name}_12h) as {name}" for name in WEIGHTS
    )
    return store.df(
        f"select age, age_decay(age, c) as decay, {weights} "
        "from unnest($ages::double[]) as u(age), trending_settings() as c order by age",
        {"ages": AGES},
    )


def test_the_decay_is_its_setting_at_a_listed_age_and_geometric_in_between(store):
    c = TrendingConfig()
    got = dict(_sql_curves(store).select("age", "decay").iter_rows())
    assert got[0.0] == pytest.approx(c.decay_0h)
    assert got[3.0] == pytest.approx(c.decay_3h)
    assert got[24.0] == pytest.approx(c.decay_24h)
    assert got[2.5] == pytest.approx(math.sqrt(c.decay_2h * c.decay_3h))  # halfway: the geometric mean
    assert got[20.0] == pytest.approx(c.decay_18h * (c.decay_24h / c.decay_18h) ** (2 / 6))
    assert got[49.0] == pytest.approx(c.decay_24h) and got[500.0] == pytest.approx(c.decay_24h)
    decays = [got[a] for a in AGES]
    assert decays == sorted(decays, reverse=True)  # the default curve never rises with age


def test_the_velocity_weights_are_straight_lines_between_their_ages(store):
    c = TrendingConfig()
    rows = {r["age"]: r for r in _sql_curves(store).iter_rows(named=True)}
    assert rows[0.0]["short_weight"] == pytest.approx(c.short_weight_0h)
    assert rows[7.0]["long_weight"] == pytest.approx(
        c.long_weight_3h + (c.long_weight_12h - c.long_weight_3h) * 4 / 9
    )
    assert rows[2.5]["rank_slope"] == pytest.approx(
        c.rank_slope_0h + (c.rank_slope_3h - c.rank_slope_0h) * 2.5 / 3
    )
    assert rows[1.0]["mid_weight"] == pytest.approx(c.mid_weight_0h + (c.mid_weight_3h - c.mid_weight_0h) / 3)
    assert rows[13.5]["size_weight"] == pytest.approx(c.size_weight_12h)
    assert rows[30.0]["short_weight"] == pytest.approx(c.short_weight_12h)  # held after 12 h
    assert rows[500.0]["long_weight"] == pytest.approx(c.long_weight_12h)


def test_a_changed_setting_moves_the_curve(store):
    before = {r["age"]: r for r in _sql_curves(store).iter_rows(named=True)}
    analytics_settings.apply(store, TrendingConfig(decay_12h=0.01, short_weight_12h=2.0))
    after = {r["age"]: r for r in _sql_curves(store).iter_rows(named=True)}
    assert after[12.0]["decay"] == pytest.approx(0.01)
    assert after[13.5]["decay"] < before[13.5]["decay"]  # the segments on either side follow it
    assert after[11.9]["short_weight"] > before[11.9]["short_weight"] + 1
    assert after[4.0]["decay"] == pytest.approx(before[4.0]["decay"])  # other segments do not move


def test_the_bench_mirror_computes_the_same_curves(store):
    bench = _bench()
    c = analytics_settings.current(store)
    age = pl.col("age")
    log_decay = [math.log(c[f"decay_{h}h"]) for h in bench.DECAY_AGES]
    mirror = pl.DataFrame({"age": AGES}).select(
        "age",
        decay=bench.piecewise_linear(age, bench.DECAY_AGES, log_decay).exp(),
        **{
            name: bench.piecewise_linear(
                age, bench.WEIGHT_AGES, [c[f"{name}_{h}h"] for h in bench.WEIGHT_AGES]
            )
            for name in WEIGHTS
        },
    )
    sql = _sql_curves(store)
    for column in ("decay", *WEIGHTS):
        assert sql[column].to_list() == pytest.approx(mirror[column].to_list(), rel=1e-12), column


def _settings_reads(store: Store, query: str) -> int:
    """How many scans of analytics_settings the plan of `query` holds."""
    plan = store.df(f"explain {query}")["explain_value"][0]
    return str(plan).count("analytics_settings")


def test_the_curves_read_the_settings_once(store):
    # Each analytics_setting() call is a scalar subquery of its own that the planner handles
    # separately (the age curve's 50 of them made trending() 1.7-2.5x slower): the curve and the
    # four weights read one row of trending_settings(), however many points they use.
    weights = ", ".join(f"weight_at_age(x, c.{name}_0h, c.{name}_3h, c.{name}_12h)" for name in WEIGHTS)
    query = f"select age_decay(x, c), {weights} from range(30) as r(x), trending_settings() as c"
    assert _settings_reads(store, query) == 1
    # the old way, one subquery per setting, for contrast: the count is what the test watches
    assert _settings_reads(store, "select analytics_setting('decay_0h'), analytics_setting('decay_1h')") == 2


def test_trending_settings_has_a_column_per_trending_setting(store):
    row = store.df("select * from trending_settings()").row(0, named=True)
    c = TrendingConfig()
    for name, value in row.items():
        assert value == pytest.approx(getattr(c, name)), name
    # every constant of the score is there; the gains' and the expected curves' are read elsewhere
    shared = {"lookback_hours", "expected_articles", "expected_min_articles", "expected_days"}
    assert set(row) == {f.name for f in dataclasses.fields(TrendingConfig)} - shared
