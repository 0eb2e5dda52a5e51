"""The collection daemon: APScheduler jobs rebuilt from configuration at every start.

Per enabled platform there is a sampling tick, a share-search tick and (for discovery
sources) a discovery job; plus a Parquet export, a checkpoint, the forecast refit, the age
marks (interactions at fixed ages, for overperformance) and, when rules are configured, the
alert rules. Job ids derive from the
configuration, so reconciling twice adds nothing. `coalesce` and `max_instances=1` mean a
slow platform never runs two rounds at once and never queues a backlog; each platform's jobs
only touch that platform, so a throttled one waits without slowing the others. The job store
is in memory: the DuckDB file is the only persistent state.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from tracker import cadence, export
from tracker.alerts.engine import Alerting
from tracker.errors import StorageError
from tracker.runner import RoundResult, discover_round, sample_round, shares_round
from tracker.service import Opened

log = logging.getLogger("tracker.daemon")
AGE_MARKS_EVERY_S = 300.0  # a mark is due once per article and age; 5 minutes late is harmless


class Daemon:
    def __init__(
        self,
        opened: Opened,
        on_round: Callable[[RoundResult], None] | None = None,
        alerting: Alerting | None = None,
    ) -> None:
        self.opened = opened
        self.on_round = on_round
        self.alerting = alerting
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()
        daemon_config = opened.collection.config.daemon
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max(1, daemon_config.workers))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        self.scheduler.add_listener(self._job_failed, EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    def reconcile(self) -> list[str]:
        """Add (or replace) every job the configuration asks for; returns the job ids."""
        ctx = self.opened.collection
        config = ctx.config
        soon = datetime.now(UTC) + timedelta(seconds=1)
        jobs: list[tuple[str, Callable[[], object], float]] = []
        for name, active in ctx.active.items():
            jobs.append((f"sample:{name}", self._wrap(sample_round, name), config.daemon.tick_s))
            if hasattr(active.collector, "find_shares"):
                jobs.append((f"shares:{name}", self._wrap(shares_round, name), config.daemon.tick_s))
            if hasattr(active.collector, "discover"):
                jobs.append(
                    (f"discover:{name}", self._wrap(discover_round, name), config.daemon.discover_every_s)
                )
        if config.storage.export_every_s > 0:
            jobs.append(("export", self._export, config.storage.export_every_s))
        jobs.append(("checkpoint", ctx.store.checkpoint, 600.0))
        jobs.append(("forecast", self._forecast, config.forecast.refit_every_s))
        jobs.append(("age_marks", self._age_marks, AGE_MARKS_EVERY_S))
        if self.alerting is not None and self.alerting.live:
            jobs.append(("alerts", self.alerting.tick, config.alerts.every_s))
        for job_id, func, every_s in jobs:
            self.scheduler.add_job(
                func,
                "interval",
                seconds=every_s,
                id=job_id,
                name=job_id,
                replace_existing=True,
                next_run_time=soon,
            )
        return [job_id for job_id, _, _ in jobs]

    def _wrap(self, round_fn: Callable[..., RoundResult], name: str) -> Callable[[], None]:
        def job() -> None:
            with self._in_flight_lock:
                self._in_flight += 1
            try:
                result = round_fn(self.opened.collection, name)
            finally:
                with self._in_flight_lock:
                    self._in_flight -= 1
            if self.on_round is not None and result.status not in ("idle",):
                self.on_round(result)

        return job

    @property
    def in_flight(self) -> int:
        """Collection rounds running right now."""
        with self._in_flight_lock:
            return self._in_flight

    def _export(self) -> None:
        ctx = self.opened.collection
        export.to_parquet(ctx.store, ctx.config.export_dir)

    def _forecast(self) -> None:
        """Refit the forecast models from finished curves and renew every young story's forecast;
        refit each platform's growth curve, which the schedule and the `nowcast` macro use."""
        from tracker.forecast import fit

        ctx = self.opened.collection
        fit.run(ctx.store, ctx.config.forecast, ctx.clock.now())
        cadence.refit_curves(ctx.store, ctx.config.cadence, ctx.clock.now())

    def _age_marks(self) -> None:
        """Store the interactions-at-age marks that came due (the expected curves read them)."""
        from tracker import age_marks

        ctx = self.opened.collection
        age_marks.refresh(ctx.store, ctx.clock.now())

    def _job_failed(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.info("job %s missed its run time; it runs at the next tick", event.job_id)
        elif isinstance(event.exception, StorageError) and self.opened.collection.store.failure:
            log.debug("job %s skipped: %s", event.job_id, event.exception)  # the store said it once
        else:
            log.error("job %s failed: %s", event.job_id, event.exception)

    def start(self) -> None:
        self.reconcile()
        self.scheduler.start()

    def shutdown(self, drain_s: float | None = None) -> int:
        """Stop scheduling and wait for rounds in flight (they finish their batch and record it).

        With `drain_s`, wait at most that long and return how many rounds are still running
        (stuck on a network that does not answer); without it, wait for all of them.
        """
        if not self.scheduler.running:
            return 0
        if drain_s is None:
            self.scheduler.shutdown(wait=True)
            return 0
        self.scheduler.shutdown(wait=False)
        deadline = time.monotonic() + drain_s
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.in_flight
