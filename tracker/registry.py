"""Where collectors come from: the built-in platform modules, plus third-party modules
registered under the entry-point group `tracker.collectors`. Built-ins go through the same
loading and validation a third party gets (Datasette's DEFAULT_PLUGINS idea).
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

from tracker.collector import KNOWN_ROLES, Collector, Credential, Limits
from tracker.errors import ConfigError

# One line per platform. A new platform goes at the end: the simulator creates posts in this
# order, so the posts of the platforms before it stay as they were.
BUILTIN_COLLECTORS: tuple[str, ...] = (
    "collectors.hackernews",
    "collectors.reddit",
    "collectors.bluesky",
    "collectors.mastodon",
    "collectors.youtube",
    "collectors.facebook",
    "collectors.x",
    "collectors.feeds",
    "collectors.generic_json",
)
ENTRY_POINT_GROUP = "tracker.collectors"
# Top-level configuration a module may ask for with NEEDS (it arrives as the Settings field).
CONFIG_NEEDS: tuple[str, ...] = ("sites", "url_rules")
# Which Collector method each role calls; an optional method without its role is refused too.
ROLE_METHODS: dict[str, str] = {
    "samples": "sample",
    "searches_shares": "find_shares",
    "discovers_articles": "discover",
    "reads_trends": "discover",
}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Platform:
    """A validated platform module."""

    name: str
    module: ModuleType
    limits: Limits
    credentials: tuple[Credential, ...]
    settings_type: type
    roles: frozenset[str] = frozenset()
    needs: tuple[str, ...] = ()
    color: str | None = None

    @property
    def hosts(self) -> tuple[str, ...]:
        """Hosts whose URLs belong to this platform (optional module attribute HOSTS)."""
        return tuple(getattr(self.module, "HOSTS", ()))

    def limits_for(self, credentials: Mapping[str, Any], settings: Any) -> Limits:
        """The module's budget for these credentials and settings (its optional `limits_for` hook)."""
        hook = getattr(self.module, "limits_for", None)
        limits: Limits = hook(credentials, settings) if hook else self.limits
        return limits

    def settings(self, values: Mapping[str, Any]) -> Any:
        """Build the module's Settings from (already type-checked) config values."""
        return self.settings_type(**values)

    def settings_fields(self) -> dict[str, dataclasses.Field[Any]]:
        return {f.name: f for f in dataclasses.fields(self.settings_type)}

    def build(self, http: Any, settings: Any, credentials: Mapping[str, Any], clock: Any) -> Collector:
        collector: Collector = self.module.Collector(http, settings, credentials, clock)
        return collector

    @property
    def summary(self) -> str:
        doc = (self.module.__doc__ or "").strip().splitlines()
        return doc[0] if doc else ""


def validate(module: ModuleType) -> Platform:
    """Check a module against the contract; a broken one is a one-line ConfigError."""
    where = module.__name__
    name = getattr(module, "NAME", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise ConfigError(f"collector module {where}: NAME must be an identifier string")
    limits = getattr(module, "LIMITS", None)
    if not isinstance(limits, Limits):
        raise ConfigError(f"collector module {where}: LIMITS must be a tracker.collector.Limits")
    if limits.max_batch < 1 or limits.requests < 1 or limits.per_seconds <= 0:
        raise ConfigError(
            f"collector module {where}: LIMITS needs max_batch, requests >= 1 and per_seconds > 0"
        )
    credentials = tuple(getattr(module, "CREDENTIALS", ()))
    if not all(isinstance(c, Credential) for c in credentials):
        raise ConfigError(f"collector module {where}: CREDENTIALS must hold tracker.collector.Credential")
    settings_type = getattr(module, "Settings", None)
    if settings_type is None or not dataclasses.is_dataclass(settings_type):
        raise ConfigError(f"collector module {where}: Settings must be a dataclass")
    for f in dataclasses.fields(settings_type):
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"collector module {where}: Settings.{f.name} needs a default")
    collector = getattr(module, "Collector", None)
    if not callable(collector):
        raise ConfigError(f"collector module {where}: Collector class missing")
    roles = _roles(module, collector)
    fields = {f.name for f in dataclasses.fields(settings_type)}
    needs = tuple(getattr(module, "NEEDS", ()))
    for need in needs:
        if need not in CONFIG_NEEDS or need not in fields:
            raise ConfigError(
                f"collector module {where}: NEEDS {need!r} must be one of {', '.join(CONFIG_NEEDS)} "
                "and a Settings field"
            )
    color = getattr(module, "COLOR", None)
    if color is not None and not (isinstance(color, str) and _COLOR.match(color)):
        raise ConfigError(f'collector module {where}: COLOR must be "#rrggbb"')
    return Platform(name, module, limits, credentials, typing.cast(type, settings_type), roles, needs, color)


def _roles(module: ModuleType, collector: Any) -> frozenset[str]:
    """ROLES, checked against the Collector's methods in both directions."""
    where = module.__name__
    roles = getattr(module, "ROLES", None)
    if not isinstance(roles, tuple | list | frozenset | set) or not roles:
        raise ConfigError(
            f"collector module {where}: ROLES must name at least one of {', '.join(KNOWN_ROLES)}"
        )
    unknown = sorted(set(roles) - set(KNOWN_ROLES))
    if unknown:
        raise ConfigError(
            f"collector module {where}: unknown role {unknown[0]!r}; use {', '.join(KNOWN_ROLES)}"
        )
    for role in roles:
        if not callable(getattr(collector, ROLE_METHODS[role], None)):
            raise ConfigError(f"collector module {where}: role {role} needs Collector.{ROLE_METHODS[role]}()")
    for method in ("find_shares", "discover"):
        wanted = {r for r, m in ROLE_METHODS.items() if m == method}
        if callable(getattr(collector, method, None)) and not wanted & set(roles):
            raise ConfigError(
                f"collector module {where}: Collector.{method}() needs one of the roles {', '.join(sorted(wanted))}"
            )
    return frozenset(roles)


def load(
    module_names: tuple[str, ...] = BUILTIN_COLLECTORS, entry_point_group: str | None = ENTRY_POINT_GROUP
) -> dict[str, Platform]:
    """Import and validate every collector module, built-ins first."""
    platforms: dict[str, Platform] = {}
    modules = [importlib.import_module(name) for name in module_names]
    if entry_point_group:
        modules.extend(ep.load() for ep in entry_points(group=entry_point_group))
    for module in modules:
        platform = validate(module)
        if platform.name in platforms:
            raise ConfigError(f"two collector modules are named {platform.name!r}")
        platforms[platform.name] = platform
    return platforms
