"""Configuration is validated once at start (tracker.config), and platforms are assembled from it
(tracker.assembly): every mistake is a one-line ConfigError naming the key, and credentials come
from the environment mapping only and never print."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tracker.assembly import Active, Disabled, build_platform
from tracker.clock import FrozenClock
from tracker.config import (
    CadenceConfig,
    Config,
    DaemonConfig,
    PlatformConfig,
    SiteConfig,
    from_mapping,
    load,
    resolve_path,
)
from tracker.errors import ConfigError
from tracker.registry import Platform
from tracker.registry import load as load_registry
from tracker.secrets import Redactor, Secret

TOKEN = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F"


@pytest.fixture(scope="module")
def platforms() -> dict[str, Platform]:
    return load_registry(entry_point_group=None)


@pytest.fixture(scope="module")
def settings_types(platforms: dict[str, Platform]) -> dict[str, type]:
    return {name: p.settings_type for name, p in platforms.items()}


def config_error(raw: Mapping[str, Any], settings_types: Mapping[str, type] | None = None) -> str:
    """The message of the ConfigError `raw` must raise; it is always exactly one line."""
    with pytest.raises(ConfigError) as info:
        from_mapping(raw, settings_types)
    message = str(info.value)
    assert message and "\n" not in message
    return message


# --- from_mapping: what is rejected -------------------------------------------------------------


def test_unknown_top_level_key_is_named() -> None:
    message = config_error({"storgae": {"path": "x.duckdb"}})
    assert "'storgae'" in message
    assert "storage" in message  # the expected keys are listed


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"storage": {"pth": "x"}}, "storage.pth"),
        ({"server": {"hostname": "0.0.0.0"}}, "server.hostname"),
        ({"daemon": {"tick": 5}}, "daemon.tick"),
        ({"cadence": {"min_interval": 5}}, "cadence.min_interval"),
        ({"sites": [{"url": "https://n.example", "feed": "https://n.example/feed"}]}, "sites[0].feed"),
    ],
)
def test_unknown_section_key_is_named(raw: dict[str, Any], key: str) -> None:
    assert key in config_error(raw)


@pytest.mark.parametrize(
    ("raw", "key", "says"),
    [
        ({"server": {"port": "8050"}}, "server.port", "must be an integer, got a string"),
        ({"server": {"port": True}}, "server.port", "must be an integer, got a boolean"),
        ({"server": {"port": 8050.5}}, "server.port", "must be an integer, got a number"),
        ({"daemon": {"workers": False}}, "daemon.workers", "must be an integer, got a boolean"),
        ({"daemon": {"tick_s": "15"}}, "daemon.tick_s", "must be a number, got a string"),
        ({"cadence": {"target_error": True}}, "cadence.target_error", "must be a number, got a boolean"),
        ({"storage": {"path": ["a.duckdb"]}}, "storage.path", "must be a string, got a list"),
        ({"server": {"host": 127}}, "server.host", "must be a string, got an integer"),
        ({"storage": "data.duckdb"}, "storage", "must be a table"),
        (
            {"sites": [{"url": "https://n.example", "feeds": "https://n.example/feed"}]},
            "sites[0].feeds",
            "must be a list, got a string",
        ),
        (
            {"sites": [{"url": "https://n.example", "feeds": ["https://n.example/feed", 3]}]},
            "sites[0].feeds[1]",
            "must be a string, got an integer",
        ),
        (
            {"sites": [{"url": "https://n.example", "follow_canonical": "yes"}]},
            "sites[0].follow_canonical",
            "must be true or false, got a string",
        ),
        ({"sites": {"url": "https://n.example"}}, "sites", "[[sites]]"),
    ],
)
def test_wrong_types_are_named(raw: dict[str, Any], key: str, says: str) -> None:
    message = config_error(raw)
    assert key in message
    assert says in message


def test_trending_mid_span_must_be_positive() -> None:
    assert (
        config_error({"trending": {"mid_span_hours": 0}})
        == "trending.mid_span_hours must be greater than 0, got 0"
    )


@pytest.mark.parametrize(
    "spans",
    [
        {"mid_span_hours": 6},  # equal to the long span (6 h)
        {"short_span_minutes": 120},  # equal to the middle span (2 h)
        {"mid_span_hours": 8},  # longer than the long span
    ],
)
def test_trending_spans_must_grow(spans: dict[str, float]) -> None:
    assert config_error({"trending": spans}).startswith(
        "trending spans must grow: short_span_minutes / 60 < mid_span_hours < long_span_hours, got "
    )


def test_a_point_of_the_trending_age_curve_must_be_positive() -> None:
    # The decay is interpolated between the logarithms of its points: 0 has none.
    assert config_error({"trending": {"decay_6h": 0}}) == "trending.decay_6h must be greater than 0, got 0"


@pytest.mark.parametrize(
    ("key", "replaced_by"),
    [
        ("gravity", "trending.decay_0h, decay_1h, ... decay_24h"),
        ("gravity_curvature", "trending.decay_0h, decay_1h, ... decay_24h"),
        ("age_offset_hours", "trending.decay_0h, decay_1h, ... decay_24h"),
        ("short_weight", "trending.short_weight_0h, short_weight_3h and short_weight_12h"),
        ("long_weight", "trending.long_weight_0h, long_weight_3h and long_weight_12h"),
        ("rank_weight", "trending.rank_weight_0h, rank_weight_3h and rank_weight_12h"),
        ("rank_slope", "trending.rank_slope_0h, rank_slope_3h and rank_slope_12h"),
    ],
)
def test_a_removed_trending_key_names_what_replaced_it(key: str, replaced_by: str) -> None:
    # Migration 0070 replaced the smooth decay and the constant weights with the age curve.
    message = config_error({"trending": {key: 0.5}})
    assert message.startswith(f"trending.{key} was removed (migration 0070")
    assert replaced_by in message.split("; set ", 1)[1]
    assert "unknown config key" not in message


def test_the_removed_size_weight_names_its_migration_and_replacement() -> None:
    # Migration 0078 made the size weight depend on the age, like the velocity weights.
    message = config_error({"trending": {"size_weight": 0.112}})
    assert message == (
        "trending.size_weight was removed (migration 0078, docs/metrics.md); set trending.size_weight_0h, "
        "size_weight_3h and size_weight_12h (its value at those ages) instead"
    )


def test_a_removed_key_is_refused_from_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "tracker.toml"
    path.write_text("[trending]\ndecay_3h = 0.4\ngravity = 1.8\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^trending\.gravity was removed .*decay_24h"):
        load(path)


def test_site_without_url_is_named() -> None:
    message = config_error(
        {"sites": [{"url": "https://a.example"}, {"name": "B", "feeds": ["https://b/feed"]}]}
    )
    assert "sites[1].url" in message


def test_unknown_platform_is_named_when_platforms_are_known(settings_types: dict[str, type]) -> None:
    message = config_error({"platforms": {"myspace": {"enabled": True}}}, settings_types)
    assert "'myspace'" in message
    assert "x" in message.split("known:")[1]


def test_unknown_platform_is_accepted_untyped_when_platforms_are_not_given() -> None:
    config = from_mapping({"platforms": {"myspace": {"enabled": True, "colour": "blue"}}})
    assert config.platform("myspace").settings == {"colour": "blue"}


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"api_ur1": "https://api.x.com"}, "platforms.x.api_ur1"),
        ({"limits": {"per_minute": 10}}, "platforms.x.limits.per_minute"),
        ({"limits": {"requests": 1.5}}, "platforms.x.limits.requests"),
        ({"limits": {"requests": True}}, "platforms.x.limits.requests"),
        ({"limits": {"per_seconds": "900"}}, "platforms.x.limits.per_seconds"),
        ({"limits": 100}, "platforms.x.limits"),
        ({"api_url": 443}, "platforms.x.api_url"),
        ({"enabled": "yes"}, "platforms.x.enabled"),
        ({"credentials": {"bearer_token": 12345}}, "platforms.x.credentials.bearer_token"),
        ({"credentials": {"bearer_token": ["X_BEARER_TOKEN"]}}, "platforms.x.credentials.bearer_token"),
        ({"credentials": "X_BEARER_TOKEN"}, "platforms.x.credentials"),
    ],
)
def test_bad_platform_table_names_the_key(
    table: dict[str, Any], key: str, settings_types: dict[str, type]
) -> None:
    assert key in config_error({"platforms": {"x": table}}, settings_types)


def test_unknown_platform_key_lists_the_allowed_keys(settings_types: dict[str, type]) -> None:
    message = config_error({"platforms": {"x": {"api_ur1": "https://api.x.com"}}}, settings_types)
    assert "api_url" in message.split("expected one of")[1]
    assert "limits" in message.split("expected one of")[1]


# --- from_mapping: what is accepted -------------------------------------------------------------


def test_empty_mapping_gives_the_defaults() -> None:
    config = from_mapping({})
    assert config == Config()
    assert config.daemon == DaemonConfig()
    assert config.sites == ()


def test_valid_config_produces_typed_values(settings_types: dict[str, type]) -> None:
    config = from_mapping(
        {
            "storage": {"path": "/var/lib/tracker/t.duckdb"},
            "server": {"port": 9000},
            "daemon": {"tick_s": 30, "workers": 2},
            "cadence": {"min_interval_s": 120, "target_error": 0.1},
            "sites": [
                {
                    "name": "News",
                    "url": "https://news.example.com",
                    "feeds": ["https://news.example.com/feed/"],
                    "sitemaps": [],
                    "follow_canonical": True,
                },
            ],
            "platforms": {
                "x": {
                    "enabled": True,
                    "api_url": "http://127.0.0.1:9/x",
                    "credentials": {"bearer_token": "MY_X"},
                    "limits": {"requests": 100, "per_seconds": 60, "min_resample_s": 300},
                },
            },
        },
        settings_types,
        source="tracker.toml",
    )
    assert config.storage.path == "/var/lib/tracker/t.duckdb"
    assert config.db_path == Path("/var/lib/tracker/t.duckdb")
    assert config.export_dir == Path("/var/lib/tracker/t-export")
    assert config.server.port == 9000
    assert config.daemon.tick_s == 30.0 and isinstance(config.daemon.tick_s, float)  # int accepted for float
    assert config.daemon.workers == 2 and isinstance(config.daemon.workers, int)
    assert config.cadence == CadenceConfig(min_interval_s=120.0, target_error=0.1)
    assert config.sites == (
        SiteConfig(
            name="News",
            url="https://news.example.com",
            feeds=("https://news.example.com/feed/",),
            sitemaps=(),
            follow_canonical=True,
        ),
    )
    assert isinstance(config.sites[0].feeds, tuple)  # lists become tuples: the config is frozen
    x = config.platform("x")
    assert x == PlatformConfig(
        "x",
        True,
        {"api_url": "http://127.0.0.1:9/x"},
        {"bearer_token": "MY_X"},
        {"requests": 100, "per_seconds": 60, "min_resample_s": 300},
    )
    assert config.platform("bluesky") == PlatformConfig("bluesky")  # not configured: all defaults
    assert config.source == "tracker.toml"


# --- load and resolve_path ----------------------------------------------------------------------


def test_load_reads_a_toml_file(tmp_path: Path, settings_types: dict[str, type]) -> None:
    path = tmp_path / "tracker.toml"
    path.write_text(
        '[daemon]\ntick_s = 5\n\n[[sites]]\nurl = "https://news.example.com"\nfeeds = ["https://news.example.com/feed/"]\n'
        "\n[platforms.x]\nenabled = false\n",
        encoding="utf-8",
    )
    config = load(path, settings_types)
    assert config.daemon.tick_s == 5.0
    assert config.sites[0].feeds == ("https://news.example.com/feed/",)
    assert config.platform("x").enabled is False
    assert config.source == str(path)


def test_load_without_a_path_gives_the_defaults() -> None:
    assert load(None) == Config()


def test_invalid_toml_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[server]\nport = 8050\nhost = "127.0.0.1\n[daemon\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message and "not valid TOML" in message and "line 3" in message


def test_a_type_error_in_a_file_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "tracker.toml"
    path.write_text('[server]\nport = "eighty"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^server\.port must be an integer, got a string$"):
        load(path)


def test_missing_file_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value) == f"config file not found: {path}"


def test_resolve_path_prefers_the_explicit_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "from-env.toml"))
    assert resolve_path("given.toml") == Path("given.toml")


def test_resolve_path_then_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tracker.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "from-env.toml"))
    assert resolve_path(None) == tmp_path / "from-env.toml"


def test_resolve_path_then_tracker_toml_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    assert resolve_path(None) is None
    (tmp_path / "tracker.toml").write_text("", encoding="utf-8")
    assert resolve_path(None) == Path("tracker.toml")


# --- assembly: credentials and enabled ----------------------------------------------------------


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))


def build(
    platforms: dict[str, Platform],
    clock: FrozenClock,
    pconf: PlatformConfig,
    environ: Mapping[str, str],
    redactor: Redactor | None = None,
) -> Active | Disabled:
    return build_platform(platforms[pconf.name], pconf, clock, redactor or Redactor(), environ=environ)


def test_enabled_platform_without_its_credential_names_credential_and_env_var(
    platforms: dict[str, Platform], clock: FrozenClock
) -> None:
    with pytest.raises(ConfigError) as info:
        build(platforms, clock, PlatformConfig("x", enabled=True), environ={})
    message = str(info.value)
    assert "\n" not in message
    assert "platforms.x" in message and "'bearer_token'" in message and "$X_BEARER_TOKEN" in message


def test_missing_credential_names_the_overridden_env_var(
    platforms: dict[str, Platform], clock: FrozenClock
) -> None:
    pconf = PlatformConfig("x", enabled=True, credentials={"bearer_token": "NEWSROOM_X_TOKEN"})
    with pytest.raises(ConfigError, match=r"\$NEWSROOM_X_TOKEN"):
        build(platforms, clock, pconf, environ={"X_BEARER_TOKEN": TOKEN})


def test_blank_credential_counts_as_missing(platforms: dict[str, Platform], clock: FrozenClock) -> None:
    with pytest.raises(ConfigError, match="X_BEARER_TOKEN"):
        build(platforms, clock, PlatformConfig("x", enabled=True), environ={"X_BEARER_TOKEN": "   "})


def test_platform_without_enabled_and_credential_is_disabled_with_a_reason(
    platforms: dict[str, Platform], clock: FrozenClock
) -> None:
    built = build(platforms, clock, PlatformConfig("x"), environ={})
    assert built == Disabled("x", "credential bearer_token missing (set $X_BEARER_TOKEN)")


def test_platform_disabled_in_config_stays_off_even_with_credentials(
    platforms: dict[str, Platform], clock: FrozenClock
) -> None:
    built = build(platforms, clock, PlatformConfig("x", enabled=False), environ={"X_BEARER_TOKEN": TOKEN})
    assert built == Disabled("x", "disabled in config")


def test_credentials_are_read_from_the_environ_mapping_only(
    platforms: dict[str, Platform], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    assert isinstance(build(platforms, clock, PlatformConfig("x"), environ={}), Disabled)
    assert isinstance(build(platforms, clock, PlatformConfig("x"), environ={"X_BEARER_TOKEN": TOKEN}), Active)


def test_unknown_credential_name_is_a_config_error(
    platforms: dict[str, Platform], clock: FrozenClock
) -> None:
    pconf = PlatformConfig("x", credentials={"bearer_tokn": "X_TOKEN"})
    with pytest.raises(ConfigError, match=r"platforms\.x\.credentials: unknown credential 'bearer_tokn'"):
        build(platforms, clock, pconf, environ={"X_BEARER_TOKEN": TOKEN})


def test_credential_never_appears_in_any_repr(platforms: dict[str, Platform], clock: FrozenClock) -> None:
    redactor = Redactor()
    built = build(platforms, clock, PlatformConfig("x", enabled=True), {"X_BEARER_TOKEN": TOKEN}, redactor)
    assert isinstance(built, Active)
    client = built.http.client(built.settings.api_url)
    things: list[object] = [
        built,
        built.settings,
        built.limits,
        built.http,
        built.collector,
        vars(built.collector),
        client,
        client.headers,
        vars(client),
    ]
    for thing in things:
        assert TOKEN not in repr(thing), type(thing)
        assert TOKEN not in str(thing), type(thing)
    # ... and the platform's redactor now scrubs it from anything bound for a log.
    assert (
        redactor(f"GET /2/tweets Authorization: Bearer {TOKEN}") == "GET /2/tweets Authorization: Bearer ***"
    )
    assert redactor(f"token is {TOKEN}.") == "token is ***."


def test_config_settings_and_limit_overrides_reach_the_platform(
    platforms: dict[str, Platform], clock: FrozenClock, settings_types: dict[str, type]
) -> None:
    config = from_mapping(
        {
            "platforms": {
                "x": {"api_url": "http://127.0.0.1:9/x", "limits": {"requests": 10, "per_seconds": 60}}
            }
        },
        settings_types,
    )
    built = build(platforms, clock, config.platform("x"), environ={"X_BEARER_TOKEN": TOKEN})
    assert isinstance(built, Active)
    assert built.settings.api_url == "http://127.0.0.1:9/x"
    assert built.limits.requests == 10
    assert built.limits.per_seconds == 60
    assert built.limits.max_batch == platforms["x"].limits.max_batch  # what was not overridden stays


def test_optional_credentials_choose_the_platform_limits(
    platforms: dict[str, Platform], clock: FrozenClock
) -> None:
    anonymous = build(platforms, clock, PlatformConfig("reddit"), environ={})
    oauth = build(
        platforms,
        clock,
        PlatformConfig("reddit"),
        environ={"REDDIT_CLIENT_ID": "client-id-1234", "REDDIT_CLIENT_SECRET": "client-secret-5678"},
    )
    assert isinstance(anonymous, Active) and isinstance(oauth, Active)
    assert oauth.limits.requests > anonymous.limits.requests


def test_secret_repr_is_redacted() -> None:
    secret = Secret(TOKEN, "X_BEARER_TOKEN")
    assert TOKEN not in repr(secret) and TOKEN not in str(secret)
    assert "X_BEARER_TOKEN" in repr(secret)


def test_a_secret_pasted_as_env_var_name_is_refused_without_echoing_it():
    secret = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid"
    with pytest.raises(ConfigError) as info:
        from_mapping({"platforms": {"x": {"credentials": {"bearer_token": secret}}}})
    assert secret not in str(info.value) and "platforms.x.credentials.bearer_token" in str(info.value)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"cadence": {"min_interval_s": -5}}, "cadence.min_interval_s"),
        ({"cadence": {"min_interval_s": 600, "max_interval_s": 60}}, "cadence.max_interval_s"),
        ({"daemon": {"tick_s": 0}}, "daemon.tick_s"),
        ({"server": {"port": 70000}}, "server.port"),
        ({"storage": {"export_every_s": -1}}, "storage.export_every_s"),
        ({"platforms": {"x": {"limits": {"requests": 0}}}}, "platforms.x.limits.requests"),
    ],
)
def test_values_that_make_no_sense_are_refused_naming_the_key(raw, key):
    with pytest.raises(ConfigError) as info:
        from_mapping(raw)
    assert key in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), 1e308])
@pytest.mark.parametrize(
    "key", [("daemon", "tick_s"), ("storage", "query_timeout_s"), ("cadence", "max_interval_s")]
)
def test_non_finite_or_absurd_numbers_are_refused_at_load(key, bad):
    section, name = key
    with pytest.raises(ConfigError, match=rf"{section}\.{name} must be a finite number"):
        from_mapping({section: {name: bad}})


def test_nan_from_a_toml_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text("[daemon]\ntick_s = nan\n")
    with pytest.raises(ConfigError, match=r"daemon\.tick_s must be a finite number"):
        load(path)


def test_the_cli_refuses_a_config_with_a_removed_key_in_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tracker.cli import main

    path = tmp_path / "tracker.toml"
    path.write_text("[trending]\nrank_slope = 0.49\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "config", "show"])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "trending.rank_slope was removed" in lines[0], result.output
    assert "rank_slope_0h, rank_slope_3h and rank_slope_12h" in lines[0]
