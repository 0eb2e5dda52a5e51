"""Who owns the DuckDB file right now. `tracker run` writes `<db>.owner.json` (pid and the
URL of its API) while it holds the file; other commands read it to go through that process
instead of failing to open a locked file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Owner:
    pid: int
    url: str


def owner_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".owner.json")


def claim(db_path: Path, url: str) -> Path:
    path = owner_path(db_path)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "url": url}))
    tmp.replace(path)
    return path


def release(db_path: Path) -> None:
    path = owner_path(db_path)
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def current(db_path: Path) -> Owner | None:
    """The live owner, or None (a file left by a dead process is ignored)."""
    try:
        data = json.loads(owner_path(db_path).read_text())
        owner = Owner(int(data["pid"]), str(data["url"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by another user
    return owner
