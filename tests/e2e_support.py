"""Helpers for tests that run the real `tracker` command in a subprocess against the
session's simulator: a config file pointing every collector at it, and a runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tracker.registry import load as load_registry
from tracker.simweb.server import SimServer


def write_config(
    sim: SimServer,
    folder: Path,
    db_name: str = "tracker.duckdb",
    port: int = 0,
    extra: str = "",
    with_site: bool = False,
    export_every_s: float = 0,
) -> Path:
    """A TOML config: every platform pointed at the simulator, demo-speed cadence; the
    simulated news site's feeds only `with_site` (then every published article is tracked)."""
    lines = [
        "[storage]",
        f'path = "{folder / db_name}"',
        f"export_every_s = {export_every_s}",
        "[daemon]",
        "tick_s = 1",
        "discover_every_s = 2",
        "share_search_every_s = 5",
        "[cadence]",
        "min_interval_s = 1",
        "[server]",
        f"port = {port}",
    ]
    if with_site:
        lines.append("[[sites]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in sim.site_config().items()]
    for platform, settings in sim.overrides().items():
        if not settings:
            continue
        lines.append(f"[platforms.{platform}]")
        lines += [f"{k} = {json.dumps(list(v) if isinstance(v, tuple) else v)}" for k, v in settings.items()]
        lines.append("limits = { min_resample_s = 1.0 }")
    path = folder / "tracker.toml"
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def fake_credentials() -> dict[str, str]:
    """Placeholder secrets the simulator accepts, for every registered platform."""
    return {
        c.env: f"sim-{c.name}|sim-secret-0123456789"
        for p in load_registry(entry_point_group=None).values()
        for c in p.credentials
    }


def tracker(
    config: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **fake_credentials(), **(env or {})}
    environ.pop("TRACKER_CONFIG", None)
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environ,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"tracker {' '.join(args)} exited {result.returncode}: {result.stderr[-2000:]}")
    return result


def sql_json(config: Path, query: str) -> list[dict[str, Any]]:
    return json.loads(tracker(config, "sql", query, "--format", "json").stdout)
