"""The one TOML configuration file, validated at start.

Precedence: the file named by `--config`, else `$TRACKER_CONFIG`, else `tracker.toml` in the
working directory if present, else built-in defaults. Every table and key is checked: an
unknown key, a wrong type, or a missing credential for a platform that is explicitly enabled
is a one-line ConfigError naming the key. Secrets never live here, only the names of the
environment variables that hold them. `tracker.example.toml` documents every key.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from tracker.errors import ConfigError
from tracker.urls import PRESENTATION_PREFIXES, UrlRules

ENV_VAR = "TRACKER_CONFIG"
MAX_NUMBER = 1e12  # seconds, counts and ratios beyond this are typos (1e308 overflows timedelta)
DEFAULT_FILE = "tracker.toml"


@dataclass(frozen=True)
class StorageConfig:
    path: str = "data/tracker.duckdb"  # the one DuckDB file
    export_dir: str = ""  # Parquet snapshots for outside tools; "" = <path without .duckdb>-export
    export_every_s: float = 300.0  # how often `tracker run` refreshes the Parquet export (0 = never)
    query_timeout_s: float = 30.0  # ad-hoc SQL is interrupted after this long


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8050
    refresh_s: float = 60.0  # dashboard auto-refresh
    timezone: str = "UTC"  # display time zone when the browser does not tell (IANA name)
    token_env: str = "TRACKER_DASHBOARD_TOKEN"  # env var holding the login token (non-loopback binds)
    users: tuple[str, ...] = ()  # "name:<password hash>" (python -m tracker.owner.access hash)
    public_box: bool = True  # /api/most-popular and /embed/most-popular need no login
    allowed_hosts: tuple[str, ...] = ()  # DNS names this server answers to (besides loopback and IPs)


@dataclass(frozen=True)
class DaemonConfig:
    tick_s: float = 15.0  # each platform's sampling round runs this often
    share_search_every_s: float = 900.0  # each article is searched for new posts this often per platform
    discover_every_s: float = 300.0  # feeds, sitemaps and trend lists are read this often
    workers: int = 4  # scheduler threads; one platform never runs two rounds at once
    round_max_items: int = 500  # a round reads due items in pages of this many (memory, not rate)


@dataclass(frozen=True)
class CadenceConfig:
    min_interval_s: float = 60.0  # never resample an item faster (a platform's own floor may be higher)
    max_interval_s: float = 4 * 3600.0  # always resample at least this often while tracked (flat items aside)
    target_error: float = (
        0.15  # due once the curve between samples may be off by this share of the item x hours
    )
    stop_after_days: float = 14.0  # items older than this are no longer sampled
    growth_exponent: float = 0.5  # prior shape of a count over age, count ~ age^exponent (docs/cadence.md)
    age_offset_s: float = 1800.0  # age prior's origin: an item's age when first seen, until refitted
    burst_share: float = 0.5  # how bursty counts are (0 smooth, ~1 bursts) until refitted (docs/cadence.md)
    flat_after_s: float = 6 * 3600.0  # an item at least this old that stopped growing ...
    flat_recheck_s: float = 24 * 3600.0  # ... is only rechecked this often


ALERT_KINDS = ("gain", "top_trending", "overperforms")
ALERT_FORMATS = ("slack", "json")


@dataclass(frozen=True)
class AlertRule:
    """One [[alerts.rules]] table: when to tell a newsroom channel about an article."""

    name: str = ""
    # gain: >= threshold interactions in the last hour; top_trending: rank <= threshold;
    # overperforms: interactions >= threshold x the site's expected curve at the article's age
    kind: str = "gain"
    threshold: float = 0.0
    platform: str = ""  # only this platform's interactions ("" = all)
    webhook_env: str = ""  # name of the environment variable holding the webhook URL (a secret)
    format: str = "slack"  # slack (Slack-compatible {"text": ...}) or json (a generic object)
    cooldown_s: float = 6 * 3600.0  # one alert per article and rule within this long


@dataclass(frozen=True)
class AlertsConfig:
    every_s: float = 60.0  # how often the rules are evaluated in `tracker run`
    dashboard_url: str = ""  # links in messages point here ("" = the server's own address)
    max_attempts: int = 5  # webhook deliveries are retried with back-off this many times
    rules: tuple[AlertRule, ...] = ()


@dataclass(frozen=True)
class ForecastConfig:
    horizon_h: float = 168.0  # forecast each story's interactions at this age (and at twice its age)
    refit_every_s: float = 3600.0  # the daemon refits the models and renews the forecasts this often
    min_history: int = (
        30  # finished curves a site and platform needs before a fitted model replaces the prior
    )


@dataclass(frozen=True)
class TrendingConfig:
    """Constants of the trending score (sql/macros/95_trending.sql; docs/metrics.md explains each).

    The defaults are the values evaluated on the Hacker News history (bench/trending.py); they are
    written into the analytics_settings table at each start, so every reader scores alike.
    """

    short_span_minutes: float = 30.0  # short velocity: gain over the last N minutes, per hour
    mid_span_hours: float = 2.0  # mid velocity: gain over the last N hours, per hour
    long_span_hours: float = 6.0  # long velocity: gain over the last N hours, per hour
    # Weights that depend on the story's age, given at 0, 3 and 12 hours (straight lines in
    # between, held after 12 h): the exponents of (short velocity + 1), (mid velocity + 1),
    # (long velocity + 1) and (total interactions + 1), and the rank factor's
    # (rank_reference / rank)^rank_weight * exp(-rank_slope (rank - rank_reference) / rank_reference).
    short_weight_0h: float = 0.051
    short_weight_3h: float = 0.057
    short_weight_12h: float = 0.049
    mid_weight_0h: float = 0.35
    mid_weight_3h: float = 0.086
    mid_weight_12h: float = 0.146
    long_weight_0h: float = -0.075
    long_weight_3h: float = 0.138
    long_weight_12h: float = 0.117
    size_weight_0h: float = -0.194
    size_weight_3h: float = 0.13
    size_weight_12h: float = 0.106
    rank_weight_0h: float = -0.099
    rank_weight_3h: float = -0.124
    rank_weight_12h: float = 0.032
    rank_slope_0h: float = 0.193
    rank_slope_3h: float = 0.363
    rank_slope_12h: float = 0.15
    # The age decay: the score's multiplier at each listed age in hours (geometric in between, held after 24 h).
    decay_0h: float = 1.0
    decay_1h: float = 0.666
    decay_2h: float = 0.521
    decay_3h: float = 0.37
    decay_4h: float = 0.336
    decay_6h: float = 0.301
    decay_8h: float = 0.301
    decay_10h: float = 0.288
    decay_12h: float = 0.238
    decay_15h: float = 0.22
    decay_18h: float = 0.22
    decay_24h: float = 0.22
    rank_change_weight: float = 0.083  # exponent of (rank an hour earlier / rank now)
    rank_change_2h_weight: float = 0.034  # exponent of (rank two hours earlier / rank now)
    rank_entry: float = 31.0  # the rank an hour (or two) earlier of a story that had none then
    rank_reference: float = 10.0  # the rank that counts as neutral; unranked items count as this
    discussion_weight: float = -0.103  # exponent of (comments + replies + 1) / (other interactions + 1)
    lookback_hours: float = 24.0  # how far before a window start to look for a sample to interpolate
    expected_articles: float = 100.0  # overperformance: the site's last N articles make its expected curve
    expected_min_articles: float = 10.0  # fewer at an age: all sites' curve, then no expectation
    expected_days: float = 90.0  # only articles born in the last N days are comparable


@dataclass(frozen=True)
class SiteConfig:
    name: str = ""
    url: str = ""  # the public base URL of the site, e.g. https://news.example.com
    feeds: tuple[str, ...] = ()  # RSS 2.0 / Atom feed URLs
    sitemaps: tuple[str, ...] = ()  # sitemap, sitemap index or Google News sitemap URLs
    wordpress_api: str = ""  # e.g. https://news.example.com/wp-json/wp/v2/posts
    fetch_base_url: str = ""  # fetch the site's pages and feeds from here instead (a mirror, the simulator)
    follow_canonical: bool = False  # fetch each new article and follow its rel=canonical
    allow_private: bool = False  # may fetch loopback/private addresses (a mirror on the LAN, the simulator)
    # Article keys of this site's family (its host with and without www./m./mobile./amp.):
    keep_prefixes: tuple[str, ...] = ()  # prefixes that are another publication here, e.g. ["m."]
    keep_http: bool = False  # http:// and https:// copies are different pages here (rare)


@dataclass(frozen=True)
class PlatformConfig:
    """One [platforms.NAME] table, before it meets the platform module's Settings."""

    name: str
    enabled: bool | None = None  # None = on when its required credentials are set
    settings: Mapping[str, Any] = field(default_factory=dict)
    credentials: Mapping[str, str] = field(default_factory=dict)  # credential name -> env var name
    limits: Mapping[str, Any] = field(default_factory=dict)  # requests, per_seconds, min_resample_s


@dataclass(frozen=True)
class Config:
    storage: StorageConfig = field(default_factory=StorageConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    daemon: DaemonConfig = field(default_factory=DaemonConfig)
    cadence: CadenceConfig = field(default_factory=CadenceConfig)
    trending: TrendingConfig = field(default_factory=TrendingConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    forecast: ForecastConfig = field(default_factory=ForecastConfig)
    sites: tuple[SiteConfig, ...] = ()
    platforms: Mapping[str, PlatformConfig] = field(default_factory=dict)
    source: str = "(defaults)"

    @property
    def db_path(self) -> Path:
        return Path(self.storage.path)

    @property
    def export_dir(self) -> Path:
        if self.storage.export_dir:
            return Path(self.storage.export_dir)
        return self.db_path.with_name(self.db_path.stem + "-export")

    def platform(self, name: str) -> PlatformConfig:
        return self.platforms.get(name) or PlatformConfig(name)

    @cached_property
    def url_rules(self) -> UrlRules:
        """The per-site canonical-URL exceptions of every [[sites]] entry: the one rule set that
        discovery, `tracker track` and the share-joining collectors key articles with."""
        return UrlRules.of((s.url, s.keep_prefixes, s.keep_http) for s in self.sites)


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Keys a release removed, with what replaced them: a config that still sets one gets this
# instead of "unknown key" (the value would otherwise be silently meaningless to look for).
# Each maps to (the migration that removed it, what to set instead).
_AGE_CURVE = (
    "0070",
    "the age curve trending.decay_0h, decay_1h, ... decay_24h (the score's multiplier at each age)",
)
REMOVED_KEYS = {
    "trending.gravity": _AGE_CURVE,
    "trending.gravity_curvature": _AGE_CURVE,
    "trending.age_offset_hours": _AGE_CURVE,
    **{
        f"trending.{name}": (
            migration,
            f"trending.{name}_0h, {name}_3h and {name}_12h (its value at those ages)",
        )
        for name, migration in (
            ("short_weight", "0070"),
            ("long_weight", "0070"),
            ("rank_weight", "0070"),
            ("rank_slope", "0070"),
            ("size_weight", "0078"),
        )
    },
}


LIMIT_KEYS = {"requests": int, "per_seconds": float, "min_resample_s": float, "quota_per_day": int}
_SECTIONS = {
    "storage": StorageConfig,
    "server": ServerConfig,
    "daemon": DaemonConfig,
    "cadence": CadenceConfig,
    "trending": TrendingConfig,
    "alerts": AlertsConfig,
    "forecast": ForecastConfig,
}


def resolve_path(explicit: str | None) -> Path | None:
    """Which config file to read, following the documented precedence."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    default = Path(DEFAULT_FILE)
    return default if default.exists() else None


def load(path: str | Path | None = None, platform_settings: Mapping[str, type] | None = None) -> Config:
    """Read and validate a config file (or the defaults when `path` is None)."""
    if path is None:
        return from_mapping({}, platform_settings)
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return from_mapping(raw, platform_settings, source=str(path))


def from_mapping(
    raw: Mapping[str, Any], platform_settings: Mapping[str, type] | None = None, source: str = "(defaults)"
) -> Config:
    """Validate parsed TOML. `platform_settings` maps platform name -> its Settings dataclass."""
    known = {*_SECTIONS, "sites", "platforms"}
    known = {*_SECTIONS, "sites", "platforms"}
    for key in raw:
        if key not in known:
            raise ConfigError(f"unknown config key {key!r}; expected one of {', '.join(sorted(known))}")
    sections = {name: _dataclass_from(cls, raw.get(name, {}), name) for name, cls in _SECTIONS.items()}
    sites_raw = raw.get("sites", [])
    if not isinstance(sites_raw, list):
        raise ConfigError("sites must be an array of tables ([[sites]])")
    sites = tuple(
        _site_rules_checked(_dataclass_from(SiteConfig, s, f"sites[{i}]"), f"sites[{i}]")
        for i, s in enumerate(sites_raw)
    )
    for i, site in enumerate(sites):
        if not site.url:
            raise ConfigError(f"sites[{i}].url is required")
    platforms_raw = raw.get("platforms", {})
    if not isinstance(platforms_raw, dict):
        raise ConfigError("platforms must be a table of [platforms.NAME] tables")
    platforms = {}
    for name, table in platforms_raw.items():
        platforms[name] = _platform_from(name, table, platform_settings)
    config = Config(**sections, sites=sites, platforms=platforms, source=source)
    _check_ranges(config)
    return config


def _site_rules_checked(site: SiteConfig, where: str) -> SiteConfig:
    """keep_prefixes spelled "m" or "m." (stored with the dot); only presentation prefixes."""
    keep = []
    for i, prefix in enumerate(site.keep_prefixes):
        spelled = prefix.strip().lower()
        spelled = spelled if spelled.endswith(".") else spelled + "."
        if spelled not in PRESENTATION_PREFIXES:
            raise ConfigError(
                f"{where}.keep_prefixes[{i}] must be one of {', '.join(repr(p) for p in PRESENTATION_PREFIXES)}, "
                f"got {prefix!r}"
            )
        keep.append(spelled)
    return dataclasses.replace(site, keep_prefixes=tuple(dict.fromkeys(keep)))


def _check_ranges(config: Config) -> None:
    """Values that parse but make no sense: a negative interval, a maximum below its minimum."""
    positive = {
        "daemon.tick_s": config.daemon.tick_s,
        "daemon.share_search_every_s": config.daemon.share_search_every_s,
        "daemon.discover_every_s": config.daemon.discover_every_s,
        "daemon.workers": config.daemon.workers,
        "daemon.round_max_items": config.daemon.round_max_items,
        "cadence.min_interval_s": config.cadence.min_interval_s,
        "cadence.max_interval_s": config.cadence.max_interval_s,
        "cadence.target_error": config.cadence.target_error,
        "cadence.stop_after_days": config.cadence.stop_after_days,
        "cadence.growth_exponent": config.cadence.growth_exponent,
        "cadence.age_offset_s": config.cadence.age_offset_s,
        "cadence.flat_after_s": config.cadence.flat_after_s,
        "cadence.flat_recheck_s": config.cadence.flat_recheck_s,
        "storage.query_timeout_s": config.storage.query_timeout_s,
        "server.refresh_s": config.server.refresh_s,
        "forecast.horizon_h": config.forecast.horizon_h,
        "forecast.refit_every_s": config.forecast.refit_every_s,
        "forecast.min_history": config.forecast.min_history,
        "trending.short_span_minutes": config.trending.short_span_minutes,
        "trending.mid_span_hours": config.trending.mid_span_hours,
        "trending.long_span_hours": config.trending.long_span_hours,
        "trending.rank_reference": config.trending.rank_reference,
        "trending.lookback_hours": config.trending.lookback_hours,
        # the age decay is interpolated between the logarithms of its points
        **{
            f"trending.{k}": v
            for k, v in dataclasses.asdict(config.trending).items()
            if k.startswith("decay_")
        },
    }
    for key, value in positive.items():
        if value <= 0:
            raise ConfigError(f"{key} must be greater than 0, got {value:g}")
    if config.storage.export_every_s < 0:
        raise ConfigError(
            f"storage.export_every_s must be 0 (never) or more, got {config.storage.export_every_s:g}"
        )
    if not 0 <= config.server.port <= 65535:
        raise ConfigError(f"server.port must be between 0 and 65535, got {config.server.port}")
    spans = config.trending
    if not spans.short_span_minutes / 60 < spans.mid_span_hours < spans.long_span_hours:
        # three velocities over three nested windows: equal spans would count one gain twice
        raise ConfigError(
            "trending spans must grow: short_span_minutes / 60 < mid_span_hours < long_span_hours, "
            f"got {spans.short_span_minutes:g} min, {spans.mid_span_hours:g} h, {spans.long_span_hours:g} h"
        )
    if config.cadence.growth_exponent >= 1:
        raise ConfigError(
            f"cadence.growth_exponent must be below 1 (counts grow slower than linearly), "
            f"got {config.cadence.growth_exponent:g}"
        )
    if not 0 <= config.cadence.burst_share <= 10:
        raise ConfigError(f"cadence.burst_share must be between 0 and 10, got {config.cadence.burst_share:g}")
    if config.cadence.max_interval_s < config.cadence.min_interval_s:
        raise ConfigError(
            f"cadence.max_interval_s ({config.cadence.max_interval_s:g}) is below cadence.min_interval_s "
            f"({config.cadence.min_interval_s:g})"
        )
    _check_alerts(config.alerts)
    for name, pconf in config.platforms.items():
        for key, value in pconf.limits.items():
            if value <= 0:
                raise ConfigError(f"platforms.{name}.limits.{key} must be greater than 0, got {value:g}")


def _check_alerts(alerts: AlertsConfig) -> None:
    if alerts.every_s <= 0:
        raise ConfigError(f"alerts.every_s must be greater than 0, got {alerts.every_s:g}")
    if alerts.max_attempts < 1:
        raise ConfigError(f"alerts.max_attempts must be at least 1, got {alerts.max_attempts}")
    seen: set[str] = set()
    for i, rule in enumerate(alerts.rules):
        where = f"alerts.rules[{i}]"
        if not rule.name:
            raise ConfigError(f"{where}.name is required")
        if rule.name in seen:
            raise ConfigError(f"{where}.name {rule.name!r} is used twice")
        seen.add(rule.name)
        if rule.kind not in ALERT_KINDS:
            raise ConfigError(f"{where}.kind must be one of {', '.join(ALERT_KINDS)}, got {rule.kind!r}")
        if rule.format not in ALERT_FORMATS:
            raise ConfigError(
                f"{where}.format must be one of {', '.join(ALERT_FORMATS)}, got {rule.format!r}"
            )
        if rule.threshold <= 0:
            raise ConfigError(f"{where}.threshold must be greater than 0, got {rule.threshold:g}")
        if rule.cooldown_s < 0:
            raise ConfigError(f"{where}.cooldown_s must be 0 or more, got {rule.cooldown_s:g}")
        if not _ENV_NAME.match(rule.webhook_env):
            # A pasted webhook URL is a secret: never echo it back.
            raise ConfigError(
                f"{where}.webhook_env must name an environment variable holding the webhook URL "
                "(such as SLACK_WEBHOOK_URL), not hold the URL itself"
            )


def _platform_from(name: str, table: Any, platform_settings: Mapping[str, type] | None) -> PlatformConfig:
    where = f"platforms.{name}"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    settings_type = (platform_settings or {}).get(name)
    if platform_settings is not None and settings_type is None:
        raise ConfigError(
            f"unknown platform {name!r} in [{where}]; known: {', '.join(sorted(platform_settings))}"
        )
    enabled = table.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise ConfigError(f"{where}.enabled must be true or false")
    credentials = table.get("credentials", {})
    if not isinstance(credentials, dict):
        raise ConfigError(f"{where}.credentials must map credential names to environment-variable names")
    for cred_name, env_name in credentials.items():
        if not isinstance(env_name, str):
            raise ConfigError(
                f"{where}.credentials.{cred_name} must be the name of an environment variable, "
                f"got {_toml_type(env_name)}"
            )
        if not _ENV_NAME.match(env_name):
            # Most likely the secret itself was pasted here: never echo it back.
            raise ConfigError(
                f"{where}.credentials.{cred_name} must name an environment variable (letters, digits "
                "and _, such as X_BEARER_TOKEN), not hold the secret; put the secret in that variable"
            )
        if len(env_name) > 64:
            raise ConfigError(f"{where}.credentials.{cred_name} is too long for an environment-variable name")
    limits = table.get("limits", {})
    if not isinstance(limits, dict):
        raise ConfigError(f"{where}.limits must be a table")
    for key, value in limits.items():
        expected = LIMIT_KEYS.get(key)
        if expected is None:
            raise ConfigError(f"unknown key {where}.limits.{key}; expected one of {', '.join(LIMIT_KEYS)}")
        _check_type(f"{where}.limits.{key}", value, expected)
    settings = {k: v for k, v in table.items() if k not in ("enabled", "credentials", "limits")}
    if settings_type is not None:
        hints = typing.get_type_hints(settings_type)
        for key, value in settings.items():
            if key not in hints:
                allowed = ["enabled", "credentials", "limits", *hints]
                raise ConfigError(f"unknown key {where}.{key}; expected one of {', '.join(allowed)}")
            settings[key] = _check_type(f"{where}.{key}", value, hints[key])
    return PlatformConfig(name, enabled, settings, dict(credentials), dict(limits))


def _dataclass_from(cls: type, table: Any, where: str) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    values = {}
    for key, value in table.items():
        if f"{where}.{key}" in REMOVED_KEYS:
            migration, replacement = REMOVED_KEYS[f"{where}.{key}"]
            raise ConfigError(
                f"{where}.{key} was removed (migration {migration}, docs/metrics.md); set {replacement} instead"
            )
        if key not in names:
            raise ConfigError(f"unknown config key {where}.{key}; expected one of {', '.join(sorted(names))}")
        values[key] = _check_type(f"{where}.{key}", value, hints[key])
    return cls(**values)


def _check_type(where: str, value: Any, expected: Any) -> Any:
    """Check a TOML value against a type hint; returns it converted (lists -> tuples, int -> float)."""
    origin = typing.get_origin(expected)
    if origin in (types.UnionType, typing.Union):
        errors = []
        for option in typing.get_args(expected):
            if option is type(None):
                continue
            try:
                return _check_type(where, value, option)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where} has the wrong type")
    if origin in (tuple, list):
        args = typing.get_args(expected)
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a list, got {_toml_type(value)}")
        item_type = args[0] if args else Any
        items = [_check_type(f"{where}[{i}]", v, item_type) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin in (dict, Mapping) or expected in (dict,):
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table, got {_toml_type(value)}")
        args = typing.get_args(expected)
        if len(args) == 2:
            return {k: _check_type(f"{where}.{k}", v, args[1]) for k, v in value.items()}
        return dict(value)
    if expected is Any:
        return value
    if expected is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, got {_toml_type(value)}")
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise ConfigError(f"{where} must be a finite number below {MAX_NUMBER:g}, got {value!r}")
        return float(value)
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be an integer, got {_toml_type(value)}")
        if abs(value) > MAX_NUMBER:
            raise ConfigError(f"{where} must be below {MAX_NUMBER:g}, got {value}")
        return value
    if expected is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {_toml_type(value)}")
        return value
    if expected is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {_toml_type(value)}")
        return value
    if isinstance(expected, type) and dataclasses.is_dataclass(expected):
        return _dataclass_from(expected, value, where)
    raise ConfigError(f"{where}: unsupported setting type {expected!r}")


def _toml_type(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
