"""Human-readable views of configuration: the effective config (`tracker config show`) and
the collector list (`tracker collectors`). Secrets appear only as their env-var names and
whether they are set."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from tracker import registry
from tracker.config import Config


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _toml_value(dataclasses.asdict(value))
    return json.dumps(str(value))


def render_effective(config: Config, platforms: dict[str, registry.Platform] | None = None) -> str:
    platforms = platforms if platforms is not None else registry.load()
    source = config.source if not config.source.startswith("(") else config.source.strip("()")
    lines = [f"# effective configuration: {source}; valid TOML, credentials only as env-var names"]
    for section in ("storage", "server", "daemon", "cadence", "forecast"):
        lines.append(f"\n[{section}]")
        for key, value in dataclasses.asdict(getattr(config, section)).items():
            lines.append(f"{key} = {_toml_value(value)}")
    for site in config.sites:
        lines.append("\n[[sites]]")
        for key, value in dataclasses.asdict(site).items():
            lines.append(f"{key} = {_toml_value(value)}")
    for name, platform in platforms.items():
        pconf = config.platform(name)
        lines.append(f"\n[platforms.{name}]")
        if pconf.enabled is None:
            lines.append("# enabled: not set, so on when its required credentials are set")
        else:
            lines.append(f"enabled = {_toml_value(pconf.enabled)}")
        values = {
            f.name: getattr(platform.settings({}), f.name) for f in dataclasses.fields(platform.settings_type)
        }
        values.update(pconf.settings)
        for key, value in values.items():
            lines.append(f"{key} = {_toml_value(value)}")
        limits = dataclasses.replace(platform.limits, **pconf.limits) if pconf.limits else platform.limits
        lines.append(
            f"limits = {{ requests = {limits.requests}, per_seconds = {limits.per_seconds:g}, "
            f"min_resample_s = {limits.min_resample_s:g} }}"
        )
        for cred in platform.credentials:
            env = pconf.credentials.get(cred.name, cred.env)
            state = "set" if os.environ.get(env) else "not set"
            need = "required" if cred.required else "optional"
            lines.append(f"credentials.{cred.name} = {json.dumps(env)}  # ${env} is {state} ({need})")
    return "\n".join(lines) + "\n"


def render_collectors(config: Config, platforms: dict[str, registry.Platform] | None = None) -> str:
    platforms = platforms if platforms is not None else registry.load()
    rows = [("platform", "ready", "batch", "budget", "quota/day", "credentials", "about")]
    for name, platform in platforms.items():
        pconf = config.platform(name)
        missing = [
            c
            for c in platform.credentials
            if c.required and not os.environ.get(pconf.credentials.get(c.name, c.env))
        ]
        if pconf.enabled is False:
            ready = "off"
        elif missing:
            ready = f"no: set ${pconf.credentials.get(missing[0].name, missing[0].env)}"
        else:
            ready = "yes"
        limits = platform.limits
        creds = (
            ", ".join(
                f"${pconf.credentials.get(c.name, c.env)}{'' if c.required else '?'}"
                for c in platform.credentials
            )
            or "-"
        )
        rows.append(
            (
                name,
                ready,
                str(limits.max_batch),
                f"{limits.requests}/{limits.per_seconds:g}s",
                str(limits.quota_per_day or "-"),
                creds,
                platform.summary[:70],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return (
        "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows) + "\n"
    )
