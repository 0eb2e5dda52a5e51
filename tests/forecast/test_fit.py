"""The product's forecaster on real DuckDB files: the prior with no history (and saying so),
a fitted model once enough curves have finished, what each forecast row carries, the daemon's
refit job against the simulator, and `tracker forecast fit`."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
from click.testing import CliRunner

from tests.forecast.store_curves import add_story
from tracker import catalog, timeseries
from tracker.cli import main
from tracker.config import Config, ForecastConfig, PlatformConfig
from tracker.forecast import fit
from tracker.owner.daemon import Daemon
from tracker.runner import sample_round
from tracker.service import open_collection
from tracker.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
AGES = [0.25 * k for k in range(1, 17)] + [6.0, 8.0, 12.0, 24.0, 48.0, 96.0, 168.0, 192.0]


def _young(store: Store, first: int, n: int, scale: float = 100.0) -> None:
    for k in range(first, first + n):
        add_story(
            store, k, NOW - timedelta(hours=2), lambda a, s=scale * k: s * a**0.5, [a for a in AGES if a <= 2]
        )


def test_no_history_falls_back_to_the_prior_and_says_so(tmp_path):
    with Store.open(tmp_path / "f.duckdb") as store:
        _young(store, 1, 3)
        report = fit.run(store, ForecastConfig(min_history=30), NOW)
        assert report.fitted == 0 and report.priors == 4  # items and articles, two targets each
        rows = store.df("select * from forecasts order by subject_kind, subject_id, target")
    assert rows.height == 12
    assert rows["is_prior"].all()
    assert rows["model"].unique().to_list() == ["prior-power-law"]
    horizon_basis = rows.filter(rows["target"] == "horizon")["basis"]
    assert all(b.startswith("prior: only 0 finished curves") and "30 needed" in b for b in horizon_basis)
    horizon = rows.filter(rows["target"] == "horizon")
    assert (horizon["predicted"] >= horizon["interactions_now"]).all()
    assert (horizon["lower"] <= horizon["predicted"]).all() and (
        horizon["predicted"] < horizon["upper"]
    ).all()
    assert horizon["target_age_h"].unique().to_list() == [168.0]


def test_with_finished_curves_it_fits_and_each_row_says_what_it_was_based_on(tmp_path):
    rng = np.random.default_rng(5)
    with Store.open(tmp_path / "f.duckdb") as store:
        for k in range(1, 41):  # finished: born 9-10 days ago, sampled to 8 days
            s = float(rng.uniform(50, 800))
            add_story(store, k, NOW - timedelta(days=9, hours=k / 2), lambda a, s=s: s * a**0.5, AGES)
        _young(store, 41, 2, scale=3.0)
        report = fit.run(store, ForecastConfig(min_history=30), NOW)
        assert report.fitted == 4 and report.priors == 0
        row = store.df(
            "select * from forecasts where subject_kind = 'item' and subject_id = 42 and target = 'horizon'"
        ).row(0, named=True)
        versions = store.df("select model_version from forecast_models")["model_version"].to_list()
    # A power law a^0.5: 2 h -> 168 h multiplies by sqrt(84) ~ 9.17.
    now_count = round(126 * 2**0.5)
    assert row["interactions_now"] == now_count
    assert row["predicted"] == np.float64(row["predicted"])
    assert abs(row["predicted"] / (now_count * 84**0.5) - 1) < 0.05
    assert row["lower"] <= row["predicted"] <= row["upper"]
    assert row["age_h"] == 2.0 and row["target_age_h"] == 168.0
    assert row["early_counts"] == [round(126 * 0.5**0.5), 126.0, round(126 * 1.5**0.5), now_count]
    assert row["model"] == "curve-loglinear-median" and row["model_version"] in versions
    assert not row["is_prior"] and row["basis"].startswith(
        "curve-loglinear-median fitted on 40 finished curves of items on hackernews"
    )
    assert row["inputs_at"] == NOW
    assert row["url"] == "https://news.example.com/story-42"


def test_refit_is_a_daemon_job_that_forecasts_collected_items_and_refits_the_cadence_curve(
    sim, tmp_path, clock, fast_http
):
    overrides = sim.overrides()
    config = Config(
        platforms={"hackernews": PlatformConfig("hackernews", True, overrides.get("hackernews", {}))},
        forecast=ForecastConfig(refit_every_s=3600.0),
    )
    config = dataclasses.replace(
        config, storage=dataclasses.replace(config.storage, path=str(tmp_path / "d.duckdb"))
    )
    opened = open_collection(config, clock=clock, http_options=fast_http)
    daemon = Daemon(opened)
    try:
        posts = [p for p in sim.world.posts["hackernews"].values() if p.created_at <= sim.world.now()][:3]
        for post in posts:
            catalog.ensure_item(opened.collection.store, "hackernews", post.key, clock.now())
        assert sample_round(opened.collection, "hackernews", everything=True).status == "ok"
        clock.advance(1800)
        assert sample_round(opened.collection, "hackernews", everything=True).status == "ok"
        assert "forecast" in daemon.reconcile()
        daemon.scheduler.start()
        store = opened.collection.store
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
            store.scalar("select count(*) from forecasts")
            and store.scalar("select count(*) from cadence_curves")
        ):
            time.sleep(0.2)
        rows = store.df("select * from forecasts where subject_kind = 'item'")
        curves = store.df("select * from cadence_curves").rows(named=True)
    finally:
        daemon.shutdown()
        opened.close()
    assert sorted(rows["item_key"].unique().to_list()) == sorted(p.key for p in posts)
    assert rows["is_prior"].all() and set(rows["target"]) == {"horizon", "double"}
    # the same job refits the platform's growth curve for the schedule and the nowcast; three
    # items are too few to fit, so the configured curve is stored
    assert [(c["platform"], c["items_fitted"]) for c in curves] == [("hackernews", 3)]
    assert curves[0]["growth_exponent"] == config.cadence.growth_exponent
    assert curves[0]["burst_share"] == config.cadence.burst_share


def test_cli_forecast_fit(tmp_path):
    db = tmp_path / "c.duckdb"
    born = datetime.now(UTC) - timedelta(hours=2)  # the command forecasts at the wall clock's now
    with Store.open(db) as store:
        for k in (1, 2):
            add_story(store, k, born, lambda a: 50 * a**0.5, [0.5, 1.0, 1.5])
    result = CliRunner().invoke(main, ["--db", str(db), "forecast", "fit", "--horizon-h", "48"])
    assert result.exit_code == 0, result.output
    assert "8 forecasts written (0 fitted models, 4 on the prior)" in result.output
    with Store.open(db, read_only=True) as store:
        assert store.scalar("select max(target_age_h) from forecasts where target = 'horizon'") == 48.0
    bad = CliRunner().invoke(main, ["--db", str(db), "forecast", "fit", "--horizon-h", "-1"])
    assert bad.exit_code != 0


def _add_on_reddit(store: Store, article: int, born: datetime, curve, ages: list[float]) -> None:
    """A second item for `article`, on another platform, sampled at `ages`."""
    item = 1000 + article
    with store.transaction() as cur:
        cur.execute(
            "insert into items (item_id, platform, item_key, url, article_id, created_at, tracked_at, next_due_at) "
            "values (?, 'reddit', ?, ?, ?, ?, ?, ?)",
            [item, f"r{item}", f"https://news.example.com/story-{article}", article, born, born, born],
        )
    timeseries.write_rows(store, [(item, "score", born + timedelta(hours=a), round(curve(a))) for a in ages])


def test_an_article_forecast_sees_its_counts_on_the_other_platforms(tmp_path):
    scales = np.random.default_rng(9).uniform(50, 800, 40)
    with Store.open(tmp_path / "f.duckdb") as store:
        for k, s in enumerate(scales.tolist(), start=1):  # finished curves on both platforms
            born = NOW - timedelta(days=9, hours=k / 2)
            add_story(store, k, born, lambda a, s=s: s * a**0.5, AGES)
            _add_on_reddit(store, k, born, lambda a, s=s: 2 * s * a**0.5, AGES)
        for k in (41, 42):  # young ones, two hours old, on both platforms
            young_ages = [a for a in AGES if a <= 2]
            add_story(store, k, NOW - timedelta(hours=2), lambda a: 300 * a**0.5, young_ages)
            _add_on_reddit(store, k, NOW - timedelta(hours=2), lambda a: 600 * a**0.5, young_ages)
        subjects, curves, _ = fit.load_history(store)
        sides = fit.article_sides(subjects, curves, "hackernews", "news.example.com")
        report = fit.run(store, ForecastConfig(min_history=30), NOW)
        params = store.df(
            "select params from forecast_models where subject_kind = 'article' and platform = 'hackernews'"
        )["params"].to_list()
    assert list(sides) == ["on_reddit"]
    # keyed by the article's key on hackernews, with its reddit counts at reddit's sample ages
    hn_keys = subjects.filter(
        (subjects["subject_kind"] == "article") & (subjects["platform"] == "hackernews")
    ).select("key", "subject_id")
    side = sides["on_reddit"].join(hn_keys, on="key").filter(pl.col("age_h") == 2.0).sort("subject_id")
    assert side.height == 42
    assert side["value"].to_list() == [float(round(2 * s * 2**0.5)) for s in scales] + [849.0, 849.0]
    # both targets of the hackernews articles were fitted with the reddit counts beside
    assert len(params) == 2 and all(json.loads(p)["sides"] == ["on_reddit"] for p in params)
    assert report.fitted == 8  # items and articles, on both platforms, both targets
