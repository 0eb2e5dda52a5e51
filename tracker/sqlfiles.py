"""SQL files loaded by name, rooted at the `sql/` folder shipped with the package.

`load("queries/most_popular")` returns the file's text and its `--` comment header
(title, description, grain, params). Views and macros (`sql/views`, `sql/macros`) are
re-applied at every start in lexical order, so the DuckDB file always carries the current
definitions and the duckdb CLI sees the same metrics the product uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tracker.errors import QueryError

_HEADER = re.compile(r"^--\s*(\w+)\s*:\s*(.*)$")


@cache
def sql_root() -> Path:
    """`tracker/sql` inside a wheel; the repository's top-level `sql/` in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "sql", here.parent / "sql"):
        if (candidate / "migrations").is_dir():
            return candidate
    raise QueryError(f"the sql/ folder is missing next to {here}; reinstall the package")


@dataclass(frozen=True)
class SqlFile:
    name: str  # "queries/most_popular"
    path: Path
    text: str
    meta: dict[str, str] = field(default_factory=dict)


def _parse(name: str, path: Path) -> SqlFile:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if match:
            meta.setdefault(match.group(1).lower(), match.group(2).strip())
        elif line.strip() and not line.strip().startswith("--"):
            break
    return SqlFile(name, path, text, meta)


def available(folder: str) -> list[str]:
    root = sql_root()
    return sorted(f"{folder}/{p.stem}" for p in (root / folder).glob("*.sql"))


def load(name: str) -> SqlFile:
    """One SQL file by its name relative to sql/, without the .sql suffix."""
    root = sql_root()
    if ".." in Path(name).parts or Path(name).is_absolute():
        raise QueryError(f"bad SQL file name {name!r}")
    path = root / f"{name}.sql"
    if not path.is_file():
        folder = name.split("/", 1)[0] if "/" in name else ""
        known = ", ".join(available(folder)) if folder and (root / folder).is_dir() else "none"
        raise QueryError(f"no SQL file named {name!r}; available: {known}")
    return _parse(name, path)


def folder(folder_name: str) -> list[SqlFile]:
    """Every file of a folder in lexical order (the numeric prefixes express dependencies)."""
    return [load(name) for name in available(folder_name)]
