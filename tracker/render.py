"""Rendering query results for people and tools: an aligned text table, CSV, JSON lines of
records, or Parquet (to a file)."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import polars as pl

FORMATS = ("table", "csv", "json", "parquet")


def as_text(frame: pl.DataFrame, fmt: str) -> str:
    if fmt == "csv":
        return flat(frame).write_csv()
    if fmt == "json":
        return json.dumps(frame.to_dicts(), default=_jsonable, ensure_ascii=False, indent=1) + "\n"
    if fmt == "table":
        return table(frame)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested columns made CSV-safe: a list of scalars becomes "a; b", anything deeper JSON."""
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.List) and not dtype.inner.is_nested():
            columns.append(column.cast(pl.List(pl.String)).list.join("; ").alias(name))
        elif dtype.is_nested():
            columns.append(column.map_elements(_json_cell, return_dtype=pl.String).alias(name))
        else:
            columns.append(column)
    return frame.select(columns)


def _json_cell(value: object) -> str:
    if isinstance(value, pl.Series):
        value = value.to_list()
    return json.dumps(value, default=_jsonable, ensure_ascii=False)


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def table(frame: pl.DataFrame, max_width: int = 60) -> str:
    """A plain aligned table (no box drawing, so it pastes into tickets and Slack)."""
    if frame.width == 0:
        return "(no columns)\n"
    cells = [[_cell(v, max_width) for v in row] for row in frame.iter_rows()]
    headers = frame.columns
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    numeric = [dtype.is_numeric() for dtype in frame.dtypes]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)
        )

    out = [line(list(headers)), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    out.append(f"({frame.height} row{'s' if frame.height != 1 else ''})")
    return "\n".join(s.rstrip() for s in out) + "\n"


def _cell(value: object, max_width: int) -> str:
    if value is None:
        text = ""
    elif isinstance(value, datetime):
        aware = value.utcoffset() is not None
        text = (value.astimezone(UTC) if aware else value).strftime("%Y-%m-%d %H:%M:%S") + (
            " UTC" if aware else ""
        )
    elif isinstance(value, list):
        text = ", ".join(_cell(v, max_width) for v in value)
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        text = f"{value:.4g}" if abs(value) < 1e6 else f"{value:.0f}"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


def _jsonable(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
