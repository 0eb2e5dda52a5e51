"""The direction of imports, read from the source (AST, so every import counts: module level,
inside functions, and under `if TYPE_CHECKING:`). The core library never imports the
dashboards: they are passed in (`app_factory`) by the one composition root, the CLI. And no
module of tracker, collectors or dashboards reaches itself again through its imports."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tracker", "collectors", "dashboards")
# The CLI wires the dashboards into `tracker run` and `tracker demo`: it is the application
# shell (with `python -m tracker` and the docs generator that renders its help), not library
# code, and nothing in the library imports it.
SHELL = frozenset({"tracker.cli", "tracker.__main__", "tracker.clidocs"})

Graph = dict[str, set[str]]


def _module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(name: str, modules: set[str]) -> str | None:
    """The longest of our module names that `name` is or lies under (None: a third party)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph(base: Path, packages: Iterable[str]) -> Graph:
    """module -> the modules of ours it imports, anywhere in its source."""
    files = {
        _module_name(path, base): path for package in packages for path in (base / package).rglob("*.py")
    }
    modules = set(files)
    graph: Graph = {name: set() for name in modules}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    anchor = name.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    source = ".".join([*anchor, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                # `from pkg import sub` imports the submodule; `from mod import thing`, the module.
                targets = [f"{source}.{alias.name}" for alias in node.names] or [source]
                targets = [t if t in modules else source for t in targets]
            for target in targets:
                found = _resolve(target, modules)
                if found is not None and found != name:
                    graph[name].add(found)
    return graph


def find_cycle(graph: Graph) -> list[str] | None:
    """One import cycle as a path (first == last), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_the_core_library_never_imports_the_dashboards():
    graph = import_graph(ROOT, PACKAGES)
    offenders = {
        module: sorted(t for t in targets if t.split(".")[0] == "dashboards")
        for module, targets in graph.items()
        if module.split(".")[0] == "tracker" and module not in SHELL
    }
    assert {m: t for m, t in offenders.items() if t} == {}
    into_shell = {m: sorted(t & SHELL) for m, t in graph.items() if m not in SHELL and t & SHELL}
    assert into_shell == {}, "the library must not import the CLI"


def test_no_import_cycles_in_tracker_collectors_and_dashboards():
    assert find_cycle(import_graph(ROOT, PACKAGES)) is None


def test_the_graph_sees_imports_under_type_checking_and_in_functions(tmp_path):
    """The checker itself can fail: a cycle hidden under TYPE_CHECKING and a lazy import."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n"
    )
    (pkg / "b.py").write_text("def f():\n    from . import c\n")
    (pkg / "c.py").write_text("import pkg.a\nimport dashboards\n")
    graph = import_graph(tmp_path, ["pkg"])
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.c"} and graph["pkg.c"] == {"pkg.a"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
