"""From configuration to working collectors: read credentials from the environment, apply
limit overrides, build each platform's HTTP seam and Collector, and say plainly which
platforms are off and why (missing credentials disable only that platform)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracker.clock import Clock
from tracker.collector import Collector, Limits
from tracker.config import Config, PlatformConfig
from tracker.errors import ConfigError
from tracker.http import HTTPOptions, PlatformHTTP
from tracker.registry import Platform
from tracker.secrets import Redactor, read_credentials


@dataclass
class Active:
    """A platform ready to collect."""

    platform: Platform
    collector: Collector
    http: PlatformHTTP
    limits: Limits
    settings: Any

    @property
    def name(self) -> str:
        return self.platform.name


@dataclass(frozen=True)
class Disabled:
    name: str
    reason: str


def build_platform(
    platform: Platform,
    pconf: PlatformConfig,
    clock: Clock,
    redactor: Redactor,
    environ: Mapping[str, str] | None = None,
    http_options: HTTPOptions | None = None,
    extra_settings: Mapping[str, Any] | None = None,
) -> Active | Disabled:
    """One platform from its config table; ConfigError only when it is explicitly enabled but unusable."""
    if pconf.enabled is False:
        return Disabled(platform.name, "disabled in config")
    secrets, missing = read_credentials(platform.credentials, pconf.credentials, environ)
    unknown = set(pconf.credentials) - {c.name for c in platform.credentials}
    if unknown:
        raise ConfigError(f"platforms.{platform.name}.credentials: unknown credential {sorted(unknown)[0]!r}")
    if missing:
        env = pconf.credentials.get(missing[0].name, missing[0].env)
        message = f"platforms.{platform.name}: credential {missing[0].name!r} missing (set ${env})"
        if pconf.enabled:
            raise ConfigError(message)
        return Disabled(platform.name, f"credential {missing[0].name} missing (set ${env})")
    redactor.add(secrets.values())
    values = dict(extra_settings or {})
    values.update(pconf.settings)
    try:
        settings = platform.settings(values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"platforms.{platform.name}: {exc}") from None
    limits = platform.limits_for(secrets, settings)
    if pconf.limits:
        limits = dataclasses.replace(limits, **pconf.limits)
    unusable = getattr(platform.module, "unusable", None)
    reason = unusable(settings) if unusable is not None else None
    if reason:
        if pconf.enabled:
            raise ConfigError(f"platforms.{platform.name}: {reason}")
        return Disabled(platform.name, reason)
    credential = "/".join(c.env for c in platform.credentials) or "credentials"
    http = PlatformHTTP(platform.name, limits, clock, redactor, http_options, credential)
    collector = platform.build(http, settings, secrets, clock)
    return Active(platform, collector, http, limits, settings)


def build_all(
    config: Config,
    platforms: Mapping[str, Platform],
    clock: Clock,
    redactor: Redactor,
    environ: Mapping[str, str] | None = None,
    http_options: HTTPOptions | None = None,
) -> tuple[dict[str, Active], list[Disabled]]:
    active: dict[str, Active] = {}
    disabled: list[Disabled] = []
    for name, platform in platforms.items():
        extra = {need: getattr(config, need) for need in platform.needs}
        built = build_platform(platform, config.platform(name), clock, redactor, environ, http_options, extra)
        if isinstance(built, Active):
            active[name] = built
        else:
            disabled.append(built)
    return active, disabled
