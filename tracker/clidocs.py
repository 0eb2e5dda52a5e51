"""Generate docs/cli.md from the commands' own --help (run `make docs`); a test fails when
the committed file is stale, so the reference cannot drift from the code."""

from __future__ import annotations

from typing import Any

import click

from tracker.cli import main

# The same help options the CLI declares, so the page does not depend on what ran before.
_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


def _commands(group: click.Group, prefix: list[str]) -> list[tuple[list[str], click.Command]]:
    out: list[tuple[list[str], click.Command]] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        out.append(([*prefix, name], command))
        if isinstance(command, click.Group):
            out.extend(_commands(command, [*prefix, name]))
    return out


def render() -> str:
    lines = ["# CLI reference", "", "Generated from `--help` by `make docs`; do not edit by hand.", ""]
    root = click.Context(main, info_name="tracker", terminal_width=100, max_content_width=100, **_SETTINGS)
    lines += ["## tracker", "", "```", main.get_help(root).rstrip(), "```", ""]
    for path, command in _commands(main, []):
        parent = root
        for part in path[:-1]:
            parent = click.Context(main.commands[part], info_name=part, parent=parent, **_SETTINGS)
        ctx = click.Context(command, info_name=path[-1], parent=parent, **_SETTINGS)
        lines += [f"## tracker {' '.join(path)}", "", "```", command.get_help(ctx).rstrip(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
