"""The package's layers: only the command line imports click, and the modules import one another
at the top without a cycle (no import hidden in a function to get round one)."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "repost"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(tree: ast.AST, top_level_only: bool) -> set[str]:
    """The modules a file imports: all of them, or only those its top level imports."""
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # from repost.cli import export: the submodule (its package is imported before any
            # of its modules, by Python itself, whatever imports it)
            subs = {f"{node.module}.{a.name}" for a in node.names} & MODULES.keys()
            found |= subs or {node.module}
    return found


def test_no_module_outside_the_command_line_imports_click():
    offenders = [
        name
        for name, path in MODULES.items()
        if not name.startswith("repost.cli")
        and any(m == "click" or m.startswith("click.") for m in imported(ast.parse(path.read_text()), False))
    ]
    assert offenders == []


def test_the_top_level_imports_have_no_cycle():
    graph = {
        name: {m for m in imported(ast.parse(path.read_text()), True) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    cycles = []

    def walk(name: str, path: list[str]) -> None:
        state[name] = 1
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt] if nxt in path else [name, nxt])
            elif nxt not in state:
                walk(nxt, [*path, nxt])
        state[name] = 2

    for name in graph:
        if name not in state:
            walk(name, [name])
    assert cycles == []


def test_every_module_imports_first_on_its_own():
    """Each module imported first in a fresh set of modules: a cycle among the imports would
    fail on whichever module of it comes first."""
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        f"for name in {sorted(MODULES)!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'repost' or m.startswith('repost.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{name}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(failed))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=240, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
