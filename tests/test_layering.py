"""The package's layers: only the command line imports click, and the modules import one another
without a cycle, counting the imports inside functions too (an import moved into a function to
get round a cycle still is one). An import inside a function is kept only for what is optional
or slow to load, each listed below with its reason."""

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

# Packages a module may import inside a function (by top-level package name), and why.
LAZY_PACKAGES = {
    "moviepy": "optional composition library, slow to load; only slideshows use it",
    "proglog": "moviepy's progress library, loaded with it",
    "av": "PyAV loads FFmpeg's libraries; only probing and decoding need it",
    "numpy": "slow to load; only picture analysis needs it",
    "PIL": "Pillow, loaded where a picture is read or written, not by every command",
    "pillow_heif": "optional: HEIC support, which loads libheif",
    "cv2": "OpenCV, slow to load (faces, QR codes, watermarks only)",
    "imageio_ffmpeg": "the bundled ffmpeg, a fallback looked for only when none is on PATH",
    "fontTools": "read only to pick a font for cover text",
    "distributed": "optional (repost[cluster]): only --cluster needs Dask",
    "dask": "optional (repost[cluster]): its config, for the workers --cluster local:N starts",
    "keyring": "loads the system's secret-store backends; only logins and publishing need it",
    "deepl": "optional translation engine",
    "argostranslate": "optional offline translation engine",
    "ruamel": "only `repost translate` rewrites a post.yaml keeping its comments",
    "requests": "HTTP stack, only for the translation engines",
    "urllib3": "HTTP stack, only for the translation engines",
    "rich": "the terminal display, loaded only when a terminal shows progress",
    "ctypes": "Linux only: prctl ties ffmpeg to repost's life",
}
# repost's own modules the command line loads only when the command that needs them runs:
# `repost --help`, tab completion and a mistyped option do not pay for the media stack.
CLI_LOADS_LATE = {
    "repost.bundle.export",
    "repost.bundle.make",
    "repost.cli.ui",
    "repost.migrate.run",
    "repost.migrate.schedule",
    "repost.plan.options",
    "repost.platforms.views",
    "repost.preview",
    "repost.publish.auth_commands",
    "repost.publish.runner",
    "repost.text.languages",
    "repost.translate.engines",
    "repost.translate.run",
    "repost.validate.bundle",
    "repost.validate.fidelity",
    "repost.validate.post",
}


def names_of(node: ast.Import | ast.ImportFrom) -> set[str]:
    """The modules one import statement loads."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    if node.level or not node.module:
        raise AssertionError(
            f"relative import of {node.module!r} at line {node.lineno}: repost imports absolutely"
        )
    # from repost.cli import export: the submodule (its package is imported before any of its
    # modules, by Python itself, whatever imports it)
    subs = {f"{node.module}.{a.name}" for a in node.names} & MODULES.keys()
    return subs or {node.module}


def imported(tree: ast.AST, top_level_only: bool) -> set[str]:
    """The modules a file imports: all of them (in functions and under TYPE_CHECKING too), or
    only those its top level imports."""
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found |= names_of(node)
    return found


def imported_in_functions(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import inside a function or method."""
    found = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found += [(node.lineno, m) for m in names_of(node)]
    return sorted(set(found))


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle met by a depth-first walk, as the path round it."""
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
    return cycles


def module_graph() -> dict[str, set[str]]:
    """Module -> the repost modules it imports anywhere in it."""
    return {
        name: {m for m in imported(ast.parse(path.read_text()), False) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }


def test_no_module_outside_the_command_line_imports_click():
    offenders = [
        name
        for name, path in MODULES.items()
        if not name.startswith("repost.cli")
        and any(m == "click" or m.startswith("click.") for m in imported(ast.parse(path.read_text()), False))
    ]
    assert offenders == []


def test_the_modules_import_one_another_without_a_cycle_even_inside_functions():
    assert find_cycles(module_graph()) == []


def test_the_cycle_check_sees_an_import_hidden_in_a_function():
    """The check itself: a cycle closed only by an import inside a function is found."""
    one = ast.parse("from repost.b import f\n")
    two = ast.parse("def g():\n    from repost.a import h\n    return h\n")
    graph = {"repost.a": imported(one, False), "repost.b": imported(two, False)}
    assert imported(two, True) == set()  # a top-level-only reading would miss it
    assert find_cycles(graph) == [["repost.a", "repost.b", "repost.a"]]


def test_imports_inside_functions_are_only_the_listed_lazy_ones():
    """Optional or slow packages, and the command line's commands, load late; anything else is
    imported at the top, where a cycle would show."""
    unlisted = []
    for name, path in MODULES.items():
        for line, module in imported_in_functions(ast.parse(path.read_text())):
            if module == "repost" or module.startswith("repost."):
                ok = name.startswith("repost.cli.") and module in CLI_LOADS_LATE
            else:
                ok = module.split(".")[0] in LAZY_PACKAGES
            if not ok:
                unlisted.append(f"{name}:{line} imports {module}")
    assert unlisted == []


def test_every_listed_lazy_import_is_still_made():
    """A reason kept for an import that is gone would mislead the next reader."""
    lazy = {m for p in MODULES.values() for _, m in imported_in_functions(ast.parse(p.read_text()))}
    assert set(LAZY_PACKAGES) - {m.split(".")[0] for m in lazy} == set()
    assert CLI_LOADS_LATE - lazy == set()


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


def test_making_a_bundle_loads_neither_the_checks_nor_the_publisher():
    """bundle/ is below validate/ and publish/ (they read what it writes): the manifest's shape and
    the publish record carried across a rebuild live in bundle/, so the arrow runs one way."""
    graph = module_graph()
    upward = {
        name: sorted(m for m in graph[name] if m.startswith(("repost.validate", "repost.publish")))
        for name in graph
        if name.startswith("repost.bundle")
    }
    assert {name: found for name, found in upward.items() if found} == {}
