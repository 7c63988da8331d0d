"""The test tree's own layering: a test module reaches shared helpers only through fixtures (a
conftest.py may import helper modules, pytest's plugin pattern), never by importing another module
of the test tree, so each test file can be read, moved and run on its own."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
TEST_MODULES = sorted(TESTS.rglob("test_*.py"))
# Every module name of the test tree, as an import would spell its first part (with pytest's
# rootdir on sys.path, "tests"; with a test folder on it, a bare helper or test module name).
TREE_NAMES = {"tests"} | {p.stem for p in TESTS.rglob("*.py") if p.stem != "__init__"}


def imports_from_the_test_tree(source: str) -> list[tuple[int, str]]:
    """(line, module) of each import, anywhere in ``source``, that reaches into the test tree:
    ``tests`` or below, a relative import, or a module named as one of the tree's."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append((node.lineno, "." * node.level + (node.module or "")))
                continue
            modules = [node.module or ""]
        else:
            continue
        found += [(node.lineno, m) for m in modules if m.split(".")[0] in TREE_NAMES]
    return sorted(found)


def test_the_tree_has_test_modules_to_check():
    assert len(TEST_MODULES) > 50 and TESTS / "test_hygiene.py" in TEST_MODULES
    assert {"conftest", "exports", "smart_clips", "fake_api", "test_data"} <= TREE_NAMES


def test_no_test_module_imports_from_the_test_tree():
    found = [
        f"{path.relative_to(TESTS.parent)}:{line}: imports {module} (ask for a fixture instead)"
        for path in TEST_MODULES
        for line, module in imports_from_the_test_tree(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_no_conftest_or_helper_imports_a_test_module():
    """Helpers flow one way: from helper modules through conftest.py into tests, never back."""
    helpers = [p for p in sorted(TESTS.rglob("*.py")) if p not in TEST_MODULES]
    found = [
        f"{path.relative_to(TESTS.parent)}:{line}: imports {module}"
        for path in helpers
        for line, module in imports_from_the_test_tree(path.read_text(encoding="utf-8"))
        if module.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert found == []


def test_the_check_sees_every_way_into_the_test_tree():
    source = """
import json
import pytest
from repost.media.probe import probe_media
from tests.importers.exports import write_ytdlp_entry
import tests.media.smart_clips
from .exports import LinkServer
from . import fake_api
from conftest import make_video
import test_data

def helper():
    from tests.publish.fake_api import MAX_CHUNK
"""
    assert imports_from_the_test_tree(source) == [
        (5, "tests.importers.exports"),
        (6, "tests.media.smart_clips"),
        (7, ".exports"),
        (8, "."),
        (9, "conftest"),
        (10, "test_data"),
        (13, "tests.publish.fake_api"),
    ]
