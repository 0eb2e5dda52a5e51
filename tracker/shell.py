"""`tracker shell`: an interactive, read-only SQL prompt over the public views and macros.

The DuckDB command-line tool on PyPI cannot open a DuckDB 2 file, and while `tracker run`
owns the file nothing else may open it; this prompt goes through the same client as
`tracker sql` (so the same guard: one read-only statement, bounded time and rows). It keeps a
history in ~/.tracker_history and completes the names of views, macros, canned queries and
SQL keywords with Tab when the terminal supports readline.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

import polars as pl

from tracker import render, sqlfiles
from tracker.errors import TrackerError

KEYWORDS = (
    "select", "from", "where", "group by", "order by", "limit", "with", "join", "left join", "on",
    "as", "and", "or", "not", "desc", "asc", "count", "sum", "avg", "max", "min", "interval",
    "hour", "hours", "day", "days", "distinct", "having", "explain", "describe", "now()",
)  # fmt: skip
_OBJECT = re.compile(r"create\s+or\s+replace\s+(?:view|macro)\s+(\w+)", re.IGNORECASE)
HELP = """Enter SQL ending with ';' (read-only: SELECT, WITH, EXPLAIN). Commands:
  .tables            the public views and macros
  .queries           the canned queries (run them with `tracker query NAME`)
  .format FMT        table (default), csv or json
  .help              this text
  .quit              leave (or Ctrl-D)"""


def public_objects() -> list[str]:
    """Names of the views and macros in sql/, the interface analysts query."""
    names = []
    for folder in ("views", "macros"):
        for file in sqlfiles.folder(folder):
            names.extend(_OBJECT.findall(file.text))
    return sorted(set(names))


def completions(text: str, names: Iterable[str]) -> list[str]:
    """Words starting with `text` (case-insensitive), names first."""
    lowered = text.lower()
    pool = [*names, *KEYWORDS]
    return [word for word in dict.fromkeys(pool) if word.lower().startswith(lowered)]


class Shell:
    def __init__(
        self,
        run_sql: Callable[[str], pl.DataFrame],
        where: str,
        out: TextIO = sys.stdout,
        err: TextIO = sys.stderr,
    ) -> None:
        self.run_sql = run_sql
        self.where = where
        self.out = out
        self.err = err
        self.fmt = "table"
        self.names = public_objects()

    def handle(self, statement: str) -> bool:
        """Run one statement or dot-command; False means leave."""
        text = statement.strip()
        if not text:
            return True
        if text.startswith("."):
            return self._command(text)
        try:
            frame = self.run_sql(text)
        except TrackerError as exc:
            print(f"error: {exc}", file=self.err)
            return True
        self.out.write(render.as_text(frame, self.fmt))
        return True

    def _command(self, text: str) -> bool:
        word, _, arg = text.partition(" ")
        if word in (".quit", ".exit", ".q"):
            return False
        if word == ".tables":
            self.out.write("\n".join(self.names) + "\n")
        elif word == ".queries":
            self.out.write("\n".join(sqlfiles.available("queries")).replace("queries/", "") + "\n")
        elif word == ".format" and arg.strip() in ("table", "csv", "json"):
            self.fmt = arg.strip()
        elif word == ".help":
            self.out.write(HELP + "\n")
        else:
            print(f"error: unknown command {text!r}; .help lists them", file=self.err)
        return True

    def loop(self, source: TextIO = sys.stdin) -> None:
        """Read statements until .quit or end of input; a prompt and history on a terminal."""
        interactive = source.isatty()
        if interactive:
            _enable_readline(self.names)
            self.out.write(f"tracker shell on {self.where} (read-only). .help for help, Ctrl-D to leave.\n")
        buffer: list[str] = []
        while True:
            try:
                line = input("sql> " if not buffer else "...> ") if interactive else source.readline()
            except EOFError:
                break
            except KeyboardInterrupt:  # Ctrl-C drops the statement being typed, as psql does
                buffer.clear()
                self.out.write("\n")
                continue
            if not interactive and line == "":
                break
            if not buffer and line.strip().startswith("."):
                if not self.handle(line):
                    break
                continue
            buffer.append(line.rstrip("\n"))
            joined = "\n".join(buffer).strip()
            if joined.endswith(";"):
                buffer.clear()
                if not self.handle(joined.rstrip(";")):
                    break
        if buffer and "\n".join(buffer).strip():
            self.handle("\n".join(buffer))


def _enable_readline(names: list[str]) -> None:
    try:
        import readline
    except ImportError:  # no readline (some builds): the prompt still works, without Tab and history
        return
    history = Path.home() / ".tracker_history"
    with contextlib.suppress(OSError):
        readline.read_history_file(history)
    readline.set_history_length(1000)
    import atexit

    atexit.register(_save_history, readline, history)
    matches: list[str] = []

    def complete(text: str, state: int) -> str | None:
        if state == 0:
            matches[:] = completions(text, names)
        return matches[state] if state < len(matches) else None

    readline.set_completer_delims(" \t\n(),;")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")


def _save_history(readline_module: object, history: Path) -> None:
    with contextlib.suppress(OSError):
        readline_module.write_history_file(history)  # type: ignore[attr-defined]
