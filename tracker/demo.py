"""`tracker demo` (what `make demo` runs): the simulated social web, the daemon and the
dashboards on one DuckDB file. The simulator's clock runs a simulated minute per second by
default, so stories visibly rise and fall in the Most Popular ranking within a minute."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracker import registry
from tracker.config import (
    CadenceConfig,
    Config,
    DaemonConfig,
    PlatformConfig,
    ServerConfig,
    SiteConfig,
    StorageConfig,
)
from tracker.owner.claim import own
from tracker.owner.process import AppFactory, serve
from tracker.runner import RoundResult
from tracker.simweb.server import SimConfig, SimServer


def demo_config(sim: SimServer, db: Path, port: int, platforms: dict[str, registry.Platform]) -> Config:
    """A configuration that points every collector at the simulator, with demo-speed ticks."""
    overrides = sim.overrides()
    site = sim.site_config() if hasattr(sim, "site_config") else None
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in (site or {}).items()}
    sites = (SiteConfig(**values),) if site else ()
    return Config(
        storage=StorageConfig(path=str(db), export_every_s=60.0),
        server=ServerConfig(port=port, refresh_s=5.0),
        daemon=DaemonConfig(tick_s=5.0, share_search_every_s=120.0, discover_every_s=15.0, workers=4),
        cadence=CadenceConfig(min_interval_s=10.0, max_interval_s=300.0),
        sites=sites,
        platforms={
            name: PlatformConfig(name, None, overrides.get(name, {}), limits={"min_resample_s": 10.0})
            for name in platforms
        },
        source="(demo)",
    )


def demo_environ(platforms: dict[str, registry.Platform]) -> dict[str, str]:
    """Placeholder credentials the simulator accepts; no real secret is needed or read."""
    return {c.env: f"demo-{c.name}|demo-secret" for p in platforms.values() for c in p.credentials}


def run_demo(
    db: Path,
    port: int,
    articles: int,
    speed: float,
    fresh: bool,
    announce: Callable[[str], None],
    progress: Callable[[RoundResult], None] | None = None,
    app_factory: AppFactory | None = None,
) -> None:
    """Run until a signal; `app_factory` builds the dashboards (the CLI passes them in)."""
    if fresh:
        for path in (db, db.with_name(db.name + ".wal")):
            path.unlink(missing_ok=True)
    platforms = registry.load()
    sim = SimServer(SimConfig(n_articles=articles, speed=speed)).start()
    announce(f"simulated social web: {sim.url}  ({articles} articles, {speed:g}x clock)")
    try:
        with own(
            demo_config(sim, db, port, platforms),
            "demo",
            environ=demo_environ(platforms),
            platforms=platforms,
        ) as owned:
            announce(
                f'open http://127.0.0.1:{port}/ for Most Popular; `tracker --db {db} sql "SELECT * '
                'FROM most_popular(INTERVAL 24 HOUR) LIMIT 5"` works while this runs'
            )
            serve(
                owned,
                ("127.0.0.1", port),
                announce,
                progress=None,
                summary_every_s=10.0,
                app_factory=app_factory,
            )
    finally:
        sim.shutdown()
