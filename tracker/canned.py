"""Canned queries (`sql/queries/*.sql`) run by name with their documented parameters, as
datasette does: the `-- params:` header is the contract. Unknown parameters are refused,
required ones must be given, each value is checked against its declared type, and the rest
take their documented defaults. Values are bound as `$name` parameters, never formatted in."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker import sqlfiles
from tracker.errors import QueryError

_INT_TYPES = {"INTEGER", "BIGINT", "INT", "SMALLINT"}
_FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL", "DECIMAL"}


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # the declared DuckDB type, upper case
    default: str | None  # the header's default text; None = required

    @property
    def required(self) -> bool:
        return self.default is None

    def describe(self) -> str:
        return f"{self.name} {self.type}" + ("" if self.required else f" = {self.default}")


def params_of(file: sqlfiles.SqlFile) -> list[Param]:
    """The `-- params:` header: `name TYPE [= default]`, comma-separated (commas inside [] kept)."""
    raw = file.meta.get("params", "")
    out = []
    for part in filter(None, (p.strip() for p in re.split(r",(?![^\[]*\])", raw))):
        decl, has_default, default = part.partition("=")
        name, _, type_name = decl.strip().partition(" ")
        out.append(
            Param(name, type_name.strip().upper() or "VARCHAR", default.strip() if has_default else None)
        )
    return out


def listing() -> list[dict[str, str]]:
    """Every canned query: name, title, description, parameters."""
    rows = []
    for file in sqlfiles.folder("queries"):
        rows.append(
            {
                "name": file.name.removeprefix("queries/"),
                "title": file.meta.get("title", file.name),
                "params": ", ".join(p.describe() for p in params_of(file)),
                "description": " ".join(file.meta.get("description", "").split()),
            }
        )
    return rows


def bind(name: str, given: Mapping[str, str]) -> tuple[sqlfiles.SqlFile, dict[str, Any]]:
    """The query file and its parameters, typed, with defaults filled in."""
    file = sqlfiles.load(f"queries/{name}")
    declared = {p.name: p for p in params_of(file)}
    for key in given:
        if key not in declared:
            takes = ", ".join(declared) or "no parameters"
            raise QueryError(f"query {name} has no parameter {key!r}; it takes {takes}")
    bound: dict[str, Any] = {}
    for param in declared.values():
        if param.name in given:
            bound[param.name] = _typed(name, param, given[param.name])
        elif param.required:
            raise QueryError(f"query {name} needs --param {param.name}=... ({param.type})")
        else:
            bound[param.name] = _default(name, param)
    return file, bound


def _default(query: str, param: Param) -> Any:
    text = param.default or ""
    if text.upper().startswith("NULL") or text.lower().startswith("now()"):
        return None  # the SQL resolves these (coalesce(..., now())) at run time
    if text in ("''", '""'):
        return ""
    return _typed(query, param, text)


def _typed(query: str, param: Param, value: str) -> Any:
    where = f"query {query}: parameter {param.name}"
    try:
        if param.type in _INT_TYPES:
            return int(value)
        if param.type in _FLOAT_TYPES:
            return float(value)
        if param.type == "BOOLEAN":
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError(value)
            return value.lower() in ("true", "1")
        if param.type.endswith("[]"):
            items = json.loads(value)
            if not isinstance(items, list):
                raise ValueError(value)
            return items
        if param.type in ("TIMESTAMPTZ", "TIMESTAMP"):
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(f"{where} must be {param.type}, got {value!r}") from None
    return value
