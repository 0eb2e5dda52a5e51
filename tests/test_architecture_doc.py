"""docs/architecture.md's map names every module of the core, so the map cannot drift from the
code (datasette's test that every setting is documented, applied to modules)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _map_section() -> str:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    return text[text.index("## The map") : text.index("## The process")]


def test_every_core_module_is_on_the_map() -> None:
    section = _map_section()
    missing = []
    for path in sorted((ROOT / "tracker").rglob("*.py")):
        relative = path.relative_to(ROOT / "tracker")
        if path.name in ("__init__.py", "__main__.py") or relative.parts[0] == "simweb":
            continue
        name = "/".join(relative.with_suffix("").parts)
        if f"`{name}`" not in section and f"`{relative.parts[0]}/`" not in section:
            missing.append(name)
    assert not missing, f"modules missing from the map in docs/architecture.md: {missing}"


def test_the_map_names_no_module_that_is_gone() -> None:
    import re

    rows = [line for line in _map_section().splitlines() if line.startswith("| ") and "layer" not in line]
    named = {token for line in rows for token in re.findall(r"`([a-z_]+(?:/[a-z_]+)?)`", line)}
    modules = {
        "/".join(p.relative_to(ROOT / "tracker").with_suffix("").parts)
        for p in (ROOT / "tracker").rglob("*.py")
    }
    stale = named - modules
    assert not stale, f"the map names modules that no longer exist: {sorted(stale)}"
