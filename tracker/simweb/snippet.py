"""The TOML that points a tracker at a running simulator (printed by `tracker simulate`)."""

from __future__ import annotations

import json

from tracker.simweb.server import SimServer


def config_snippet(sim: SimServer) -> str:
    lines = []
    site = sim.site_config() if hasattr(sim, "site_config") else None
    if site:
        lines.append("[[sites]]")
        for key, value in site.items():
            lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    for platform, settings in sim.overrides().items():
        if not settings:
            continue
        lines.append(f"[platforms.{platform}]")
        for key, value in settings.items():
            lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    return "\n".join(lines)
