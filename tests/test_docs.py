"""Docs cannot drift: the CLI reference is regenerated from --help, every collector has its
page, every setting and credential is in tracker.example.toml, every command is in the README,
and every public SQL object is documented."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

from tracker import clidocs, registry, sqlfiles
from tracker import config as config_mod
from tracker.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current():
    assert (ROOT / "docs/cli.md").read_text() == clidocs.render(), "run `make docs`"


def test_readme_opens_with_the_two_commands_and_lists_every_command():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1].strip().splitlines()
    assert first_block == ["make demo", "make test"]
    for name in main.commands:
        assert f"tracker {name}" in readme, f"README does not mention `tracker {name}`"


def test_every_collector_has_a_docs_page_citing_its_limits():
    for name, platform in registry.load(entry_point_group=None).items():
        page = ROOT / "docs" / "platforms" / f"{name}.md"
        assert page.exists(), f"docs/platforms/{name}.md is missing"
        text = page.read_text()
        assert "http" in text, f"{page.name} cites no source"
        for cred in platform.credentials:
            assert cred.env in text, f"{page.name} does not name ${cred.env}"


def test_example_config_loads_and_names_every_setting():
    platforms = registry.load(entry_point_group=None)
    example = ROOT / "tracker.example.toml"
    config_mod.load(example, {n: p.settings_type for n, p in platforms.items()})
    raw = tomllib.loads(example.read_text())
    for section, cls in (
        ("storage", config_mod.StorageConfig),
        ("server", config_mod.ServerConfig),
        ("daemon", config_mod.DaemonConfig),
        ("cadence", config_mod.CadenceConfig),
        ("forecast", config_mod.ForecastConfig),
    ):
        assert set(raw[section]) == {f.name for f in dataclasses.fields(cls)}, section
    assert set(raw["sites"][0]) == {f.name for f in dataclasses.fields(config_mod.SiteConfig)}
    for name, platform in platforms.items():
        table = raw["platforms"].get(name)
        assert table is not None, f"[platforms.{name}] missing from tracker.example.toml"
        for field in platform.settings_fields():
            if field not in platform.needs:  # NEEDS come from the top level ([[sites]])
                assert field in table, f"platforms.{name}.{field} missing from tracker.example.toml"
        for cred in platform.credentials:
            assert table.get("credentials", {}).get(cred.name) == cred.env, f"platforms.{name}.credentials"


def test_every_public_sql_object_is_documented():
    doc = (ROOT / "docs/sql.md").read_text()
    for folder in ("views", "macros"):
        for file in sqlfiles.folder(folder):
            names = re.findall(r"create or replace (?:view|macro) (\w+)", file.text)
            assert names, file.name
            for name in names:  # a file may define a family (item_window_gains and item_gains)
                assert f"`{name}" in doc, f"docs/sql.md does not document {name}"
            assert "grain:" in file.text or (folder == "macros" and "is_interaction" in names[0]), file.name
