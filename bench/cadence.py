"""Replay real popularity series through sampling policies at equal request budgets and score
what editors would see: the curve, the gain in the last hour and six hours, and the last-hour
ranking.

Datasets (../shared/data, read in place): Hacker News front-page history (points, every ~30
min while a story is on the front page; a window of --hn-days days) and the UCI Facebook
counts (every 20 min for 48 h after publication; --uci-items items, publication staggered one
slice apart so about 144 are live at once). YouTube trending is daily, too coarse for hourly
budgets, and is not replayed.

A tick is one truth snapshot (HN) or slice (UCI); a sample taken at a tick reads the true
count then. Policies at the same number of requests (fixed polling's count at one sample per
item per --budgets hours):

- fixed: every item at discovery, then every B hours;
- age back-off: the next sample after c * (age + offset), with c calibrated to the same count;
- ours: the product's own `tracker.cadence` (next_intervals, urgency, pick, fit_growth_exponent,
  fit_burst_share, velocity, nowcast) under a token bucket refilled with the same requests in
  proportion to the items live at each tick, refitting its platform curve from its own samples.

Figures: curve error = mean over items of MAE(linear interpolation of the samples vs truth
over the item's life) / item's max count; gain error = sum |estimated - true gain| / sum true
gain over (hour, item); Spearman and top-10 overlap of the last-hour gain ranking, averaged
over hourly evaluation times. "from samples" estimates gains from samples taken so far (what
`gained()` shows); "nowcast" extrapolates each item from its last two samples with
`cadence.velocity` + `cadence.nowcast`, the Python mirror of the SQL macro `nowcast()`, along the
curve refitted from that policy's samples (what `cadence_curves` would hold). `--split dev`
replays only the even-positioned items (the half the policy was tuned on), `held-out` the rest;
`--split all held-out` replays all items and then the held-out half, each at its own equal budgets.

    .venv/bin/python bench/cadence.py [--hn-days 20] [--uci-items 1000] [--budgets 1 2 4] [--split all ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not an installed copy

from tracker import cadence
from tracker.config import CadenceConfig

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
HOUR = 3600.0
BUCKET_S = 6 * 3600.0  # the budget is a quota over a window this long (saved while nothing is due)


@dataclass
class Series:
    """True counts on a tick grid: values[k, i] is item i's count at tick k (NaN outside its life)."""

    name: str
    ticks: Floats  # seconds since the start, increasing
    values: Floats  # [ticks, items]
    observed: npt.NDArray[np.bool_]  # where the truth was actually measured (curve error points)
    born: Floats  # [items] creation time in seconds (the age origin)
    first: Ints  # [items] tick of discovery
    last: Ints  # [items] last tick of the item's life


def load_hn(root: Path, days: float, skip_days: float) -> Series:
    snaps = pl.read_parquet(root / "hn_frontpage_history" / "snapshots.parquet").select(
        "observed_at", "item_id", "points"
    )
    start = snaps["observed_at"].min() + timedelta(days=skip_days)  # type: ignore[operator]
    end = start + timedelta(days=days)
    before = snaps.filter(pl.col("observed_at") < start)["item_id"].unique()
    window = snaps.filter(
        (pl.col("observed_at") >= start)
        & (pl.col("observed_at") < end)
        & ~pl.col("item_id").is_in(before.implode())
    ).drop_nulls("points")
    wide = window.pivot(on="item_id", index="observed_at", values="points", aggregate_function="max").sort(
        "observed_at"
    )
    ticks = ((wide["observed_at"] - start).dt.total_seconds()).to_numpy().astype(np.float64)
    raw = wide.drop("observed_at").to_numpy().astype(np.float64)
    return _series("Hacker News", ticks, raw, born=None)


def load_uci(root: Path, n_items: int) -> Series:
    frame = pl.read_parquet(root / "uci_news_feedback_palestine" / "timeseries.parquet").filter(
        pl.col("platform") == "facebook"
    )
    ids = frame["id_link"].unique().sort()
    step = max(1, len(ids) // n_items)
    chosen = ids.gather(list(range(0, len(ids), step))[:n_items])
    frame = frame.filter(pl.col("id_link").is_in(chosen.implode()))
    order = {int(v): j for j, v in enumerate(chosen.to_list())}
    n, slices = len(chosen), 144
    raw = np.full((n + slices + 1, n), np.nan)
    cols = np.array([order[int(v)] for v in frame["id_link"].to_list()])
    raw[cols + frame["slice"].to_numpy(), cols] = frame["popularity"].to_numpy()
    ticks = np.arange(raw.shape[0], dtype=np.float64) * 1200.0
    return _series("UCI Facebook", ticks, raw, born=np.arange(n, dtype=np.float64) * 1200.0)


def _series(name: str, ticks: Floats, raw: Floats, born: Floats | None) -> Series:
    observed = ~np.isnan(raw)
    keep = observed.sum(axis=0) >= 2
    raw, observed = raw[:, keep], observed[:, keep]
    k = np.arange(len(ticks))[:, None]
    first = np.where(observed, k, len(ticks)).min(axis=0)
    last = np.where(observed, k, -1).max(axis=0)
    filled = pl.DataFrame(raw, nan_to_null=True).select(pl.all().forward_fill()).to_numpy().astype(np.float64)
    life = (k >= first) & (k <= last)
    values = np.where(life, filled, np.nan)
    origin = ticks[first] if born is None else born[keep]
    return Series(name, ticks, values, observed, origin.astype(np.float64), first, last)


def alive_at(series: Series, k: int) -> npt.NDArray[np.bool_]:
    return (series.first <= k) & (series.last >= k)


def fixed_policy(series: Series, every_s: float) -> npt.NDArray[np.bool_]:
    return _interval_policy(series, lambda t, born: np.full_like(born, every_s))


def age_policy(series: Series, scale: float, offset_s: float) -> npt.NDArray[np.bool_]:
    return _interval_policy(series, lambda t, born: scale * (t - born + offset_s))


def _interval_policy(series: Series, interval: Callable[[float, Floats], Floats]) -> npt.NDArray[np.bool_]:
    sampled = np.zeros(series.values.shape, dtype=bool)
    due = np.full(series.values.shape[1], -np.inf)
    for k, t in enumerate(series.ticks):
        now = alive_at(series, k) & (t >= due)
        idx = np.flatnonzero(now)
        sampled[k, idx] = True
        due[idx] = t + interval(t, series.born[idx])
    return sampled


def ours_policy(series: Series, total_requests: int, config: CadenceConfig) -> npt.NDArray[np.bool_]:
    """The product's policy under a token bucket holding the same total requests, refitting
    the platform's curve (age offset, growth exponent, burstiness) from its own samples every
    12 ticks."""
    n_ticks, n = series.values.shape
    live = np.array([alive_at(series, k).sum() for k in range(n_ticks)], dtype=np.float64)
    dt = np.diff(series.ticks, prepend=series.ticks[0] - np.median(np.diff(series.ticks)))
    refill = total_requests * live * dt / float((live * dt).sum())
    sampled = np.zeros(series.values.shape, dtype=bool)
    last_t, last_v = np.full(n, np.nan), np.full(n, np.nan)
    prev_t, prev_v = np.full(n, np.nan), np.full(n, np.nan)
    first_v, first_age = np.full(n, np.nan), np.full(n, np.nan)
    triples: list[Floats] = []  # rows of (age0, age1, age2, total0, total1, total2)
    interval = np.zeros(n)
    tokens, cfg = 0.0, config
    # the window holds BUCKET_S of the budget at its current rate (which follows the live items)
    capacity = refill / np.maximum(dt, 1.0) * BUCKET_S
    for k, t in enumerate(series.ticks):
        if k % 12 == 0:  # the peers' curve, refitted from what we sampled so far
            seen = ~np.isnan(first_v)
            taken = np.nonzero(sampled[:k])
            offset = cadence.fit_age_offset(
                taken[1].astype(np.float64),
                series.ticks[taken[0]] - series.born[taken[1]],
                series.values[taken],
                config,
            )
            cfg = dataclasses.replace(config, age_offset_s=offset)
            beta = cadence.fit_growth_exponent(
                first_v[seen], first_age[seen], last_v[seen], last_t[seen] - series.born[seen], cfg
            )
            cfg = dataclasses.replace(cfg, growth_exponent=beta)
            if triples:
                rows = np.concatenate(triples)
                share = cadence.fit_burst_share(
                    [rows[:, 0], rows[:, 1], rows[:, 2]], [rows[:, 3], rows[:, 4], rows[:, 5]], cfg
                )
                cfg = dataclasses.replace(cfg, burst_share=share)
        tokens += refill[k]
        spare = int(max(tokens - capacity[k], 0.0))  # what the window would drop: spend it
        idx = np.flatnonzero(alive_at(series, k))
        since = t - last_t[idx]
        chosen = idx[cadence.pick(cadence.urgency(since, interval[idx]), int(tokens) - spare, spare)]
        tokens -= len(chosen)
        if not len(chosen):
            continue
        total, age = series.values[k, chosen], t - series.born[chosen]
        obs = cadence.Observed(total, age, last_v[chosen], t - last_t[chosen])
        interval[chosen] = cadence.next_intervals(obs, cfg, 0.0)
        new = np.isnan(first_v[chosen])
        first_v[chosen[new]], first_age[chosen[new]] = total[new], age[new]
        third = chosen[~np.isnan(prev_t[chosen])]
        if len(third):
            born = series.born[third]
            triples.append(
                np.column_stack(
                    [
                        prev_t[third] - born,
                        last_t[third] - born,
                        t - born,
                        prev_v[third],
                        last_v[third],
                        series.values[k, third],
                    ]
                )
            )
        prev_t[chosen], prev_v[chosen] = last_t[chosen], last_v[chosen]
        last_t[chosen], last_v[chosen] = t, total
        sampled[k, chosen] = True
    return sampled


def fitted_curve(series: Series, sampled: npt.NDArray[np.bool_], config: CadenceConfig) -> CadenceConfig:
    """The platform curve `cadence.refit_curves` would store from these samples (age offset from
    every sample, growth exponent from each item's first and last sample, burst share from
    consecutive triples)."""
    firsts, lasts, triples = [], [], []
    for i in range(series.values.shape[1]):
        k = np.flatnonzero(sampled[:, i])
        if len(k) < 2:
            continue
        age, value = series.ticks[k] - series.born[i], series.values[k, i]
        firsts.append((value[0], age[0]))
        lasts.append((value[-1], age[-1]))
        if len(k) >= 3:
            triples.append(
                np.column_stack([age[:-2], age[1:-1], age[2:], value[:-2], value[1:-1], value[2:]])
            )
    first, last = np.array(firsts), np.array(lasts)
    taken = np.nonzero(sampled)
    offset = cadence.fit_age_offset(
        taken[1].astype(np.float64),
        series.ticks[taken[0]] - series.born[taken[1]],
        series.values[taken],
        config,
    )
    shifted = dataclasses.replace(config, age_offset_s=offset)
    beta = cadence.fit_growth_exponent(first[:, 0], first[:, 1], last[:, 0], last[:, 1], shifted)
    curve = dataclasses.replace(shifted, growth_exponent=beta)
    rows = np.concatenate(triples)
    share = cadence.fit_burst_share(
        [rows[:, 0], rows[:, 1], rows[:, 2]], [rows[:, 3], rows[:, 4], rows[:, 5]], curve
    )
    return dataclasses.replace(curve, burst_share=share)


def split(series: Series, which: str) -> Series:
    """All items, or the dev half (even positions, used to tune the policy) or the held-out half."""
    if which == "all":
        return series
    cols = np.arange(0 if which == "dev" else 1, series.values.shape[1], 2)
    return Series(
        f"{series.name} ({which})",
        series.ticks,
        series.values[:, cols],
        series.observed[:, cols],
        series.born[cols],
        series.first[cols],
        series.last[cols],
    )


def calibrate_age(series: Series, requests: int, offset_s: float) -> npt.NDArray[np.bool_]:
    low, high = 1e-3, 10.0
    best = age_policy(series, 1.0, offset_s)
    for _ in range(18):
        mid = (low * high) ** 0.5
        best = age_policy(series, mid, offset_s)
        if int(best.sum()) > requests:
            low = mid
        else:
            high = mid
    return age_policy(series, high, offset_s)


# --- scoring -------------------------------------------------------------------------------


def curve_error(series: Series, sampled: npt.NDArray[np.bool_]) -> float:
    errors = []
    for i in range(series.values.shape[1]):
        truth_k = np.flatnonzero(series.observed[:, i])
        peak = series.values[truth_k, i].max()
        sample_k = np.flatnonzero(sampled[:, i])
        if peak <= 0 or not len(sample_k):
            continue
        estimate = np.interp(series.ticks[truth_k], series.ticks[sample_k], series.values[sample_k, i])
        errors.append(np.abs(estimate - series.values[truth_k, i]).mean() / peak)
    return float(np.mean(errors))


@dataclass
class Gains:
    error_1h: float
    error_6h: float
    spearman: float
    top10: float


def _ranks(x: Floats) -> Floats:
    return pl.Series(x).rank("average").to_numpy().astype(np.float64)


class Estimator:
    """What an editor would see at each tick from the samples taken so far."""

    def __init__(self, series: Series, sampled: npt.NDArray[np.bool_], config: CadenceConfig) -> None:
        self.s, self.cfg = series, config
        n_ticks = len(series.ticks)
        k = np.arange(n_ticks)[:, None]
        self.last = np.maximum.accumulate(np.where(sampled, k, -1), axis=0)  # last sample <= k
        after = np.where(sampled, k, n_ticks)
        self.next = np.minimum.accumulate(after[::-1], axis=0)[::-1]  # first sample >= k

    def _value(self, j: Ints, cols: Ints) -> Floats:
        j = np.clip(j, 0, len(self.s.ticks) - 1)
        return np.asarray(self.s.values[j, cols], dtype=np.float64)

    def _extrapolate(self, j: Ints, cols: Ints, at: float) -> Floats:
        """Nowcast at time `at` from the sample at tick j and the one before it."""
        prev = np.where(j > 0, self.last[np.maximum(j - 1, 0), cols], -1)
        t_j = self.s.ticks[np.maximum(j, 0)]
        obs = cadence.Observed(
            self._value(j, cols),
            np.maximum(t_j - self.s.born[cols], 0.0),  # unsampled items (masked later) have no age
            np.where(prev >= 0, self._value(prev, cols), np.nan),
            np.where(prev >= 0, t_j - self.s.ticks[np.maximum(prev, 0)], np.nan),
        )
        rate = cadence.velocity(obs, self.cfg)
        return cadence.nowcast(obs.total, rate, obs.age_s, at - t_j, self.cfg)

    def at(self, k: int, back_k: int, back_t: float, cols: Ints, nowcast: bool) -> tuple[Floats, Floats]:
        """Estimated counts now (tick k) and at time back_t (tick back_k <= it)."""
        j = self.last[k, cols]
        j0 = self.last[back_k, cols]
        j1 = self.next[min(back_k + 1, len(self.s.ticks) - 1), cols]
        now = self._extrapolate(j, cols, self.s.ticks[k]) if nowcast else self._value(j, cols)
        bracketed = (j0 >= 0) & (j1 <= k) & (j1 > j0)
        t0, t1 = self.s.ticks[np.maximum(j0, 0)], self.s.ticks[np.minimum(j1, k)]
        v0, v1 = self._value(j0, cols), self._value(np.minimum(j1, k), cols)
        frac = np.clip((back_t - t0) / np.maximum(t1 - t0, 1.0), 0.0, 1.0)
        interpolated = v0 + frac * (v1 - v0)
        if nowcast:
            unbracketed = np.where(j0 >= 0, self._extrapolate(j0, cols, back_t), now)
        else:
            unbracketed = np.where(j0 >= 0, v0, now)
        first_seen = self._value(self.next[0, cols], cols)
        back = np.where(bracketed, interpolated, np.where(j0 >= 0, unbracketed, first_seen))
        unseen = j < 0  # not sampled yet: the dashboards show nothing, a gain of 0
        return np.where(unseen, 0.0, now), np.where(unseen, 0.0, np.minimum(back, now))


def gains(series: Series, sampled: npt.NDArray[np.bool_], config: CadenceConfig, nowcast: bool) -> Gains:
    est = Estimator(series, sampled, config)
    sums = {1: [0.0, 0.0], 6: [0.0, 0.0]}
    rhos, overlaps = [], []
    t = series.ticks[0] + 6 * HOUR
    while t <= series.ticks[-1]:
        k = int(np.searchsorted(series.ticks, t, side="right") - 1)
        for hours in (1, 6):
            back_t = series.ticks[k] - hours * HOUR
            back_k = int(np.searchsorted(series.ticks, back_t, side="right") - 1)
            cols = np.flatnonzero(alive_at(series, k) & (series.first <= back_k))
            if len(cols) < 10:
                continue
            truth = series.values[k, cols] - series.values[back_k, cols]
            now, back = est.at(k, back_k, back_t, cols, nowcast)
            guess = now - back
            sums[hours][0] += float(np.abs(guess - truth).sum())
            sums[hours][1] += float(truth.sum())
            if hours == 1 and truth.std() > 0 and guess.std() > 0:
                rhos.append(float(np.corrcoef(_ranks(guess), _ranks(truth))[0, 1]))
                top_true = set(cols[np.argsort(-truth, kind="stable")[:10]].tolist())
                top_guess = set(cols[np.argsort(-guess, kind="stable")[:10]].tolist())
                overlaps.append(len(top_true & top_guess) / 10)
        t += HOUR
    return Gains(
        sums[1][0] / max(sums[1][1], 1.0),
        sums[6][0] / max(sums[6][1], 1.0),
        float(np.mean(rhos)),
        float(np.mean(overlaps)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--hn-days", type=float, default=20.0)
    parser.add_argument("--hn-skip-days", type=float, default=60.0, help="start the HN window this late")
    parser.add_argument("--uci-items", type=int, default=1000)
    parser.add_argument("--budgets", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    parser.add_argument(
        "--split",
        choices=["all", "dev", "held-out"],
        nargs="+",
        default=["all"],
        help="items: all, or a half (dev: tuning); several are replayed one after another in one run",
    )
    args = parser.parse_args()
    config = CadenceConfig()
    started = time.perf_counter()
    hn, uci = load_hn(args.data, args.hn_days, args.hn_skip_days), load_uci(args.data, args.uci_items)
    datasets = [split(series, which) for which in args.split for series in (hn, uci)]
    head = (
        f"{'dataset':<13}{'budget':>7} {'policy':<12}{'requests':>9}{'curve':>8} | from samples: "
        f"{'1h err':>6}{'6h err':>7}{'rho':>6}{'top10':>6} | nowcast: {'1h err':>6}{'6h err':>7}"
        f"{'rho':>6}{'top10':>6}"
    )
    print(head)
    for series in datasets:
        print(
            f"# {series.name}: {series.values.shape[1]:,} items, {len(series.ticks):,} ticks "
            f"({(series.ticks[-1] - series.ticks[0]) / 86400:.1f} days)"
        )
        for budget in args.budgets:
            fixed = fixed_policy(series, budget * HOUR)
            requests = int(fixed.sum())
            runs = {
                "fixed": fixed,
                "age back-off": calibrate_age(series, requests, config.age_offset_s),
                "ours": ours_policy(series, requests, config),
            }
            base = 0.0
            for name, sampled in runs.items():
                curve = curve_error(series, sampled)
                base = base or curve
                fitted = fitted_curve(series, sampled, config)  # what the nowcast macro would read
                plain = gains(series, sampled, fitted, nowcast=False)
                cast = gains(series, sampled, fitted, nowcast=True)
                print(
                    f"{series.name[:12]:<13}{budget:>6g}h {name:<12}{int(sampled.sum()):>9,}{curve:>8.5f} |"
                    f"{'':>15}{plain.error_1h:>6.3f}{plain.error_6h:>7.3f}{plain.spearman:>6.2f}"
                    f"{plain.top10:>6.2f} |{'':>10}{cast.error_1h:>6.3f}{cast.error_6h:>7.3f}"
                    f"{cast.spearman:>6.2f}{cast.top10:>6.2f}   (curve x{base / curve:.3f} vs fixed; "
                    f"fitted exponent {fitted.growth_exponent:.2f}, age offset {fitted.age_offset_s:.0f} s, "
                    f"burst share {fitted.burst_share:.2f})"
                )
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
