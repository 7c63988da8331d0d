"""The shape a manifest.json must have before any code reads it: each field repost uses, of its type.

A bundle may come from anyone (a teammate, a download, a hand edit), so its manifest is untrusted:
``"path": 123``, a list where text belongs, a NUL in a file name or ``"profile": "tiktok"`` are
problems of that one bundle, found here and reported, never an exception in validate, preview or
migrate. Keys this version does not know are left alone (a newer repost may add some).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from repost.post.schema import Problems, join, type_name

Check = Callable[[Any, str, Problems], None]


def _text(*, nonempty: bool = False, plain: bool = False, nullable: bool = False) -> Check:
    """Text; ``plain`` refuses a NUL (a file name or an id), ``nullable`` takes null too."""

    def check(value, path, problems):
        if value is None and nullable:
            return
        if not isinstance(value, str):
            problems.add(path, f"must be text, not {type_name(value)}")
        elif nonempty and not value:
            problems.add(path, "must not be empty")
        elif plain and "\0" in value:
            problems.add(path, "holds a NUL character")

    return check


def _whole(*, nullable: bool = False) -> Check:
    def check(value, path, problems):
        if value is None and nullable:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            problems.add(path, f"must be a whole number, not {type_name(value)}")

    return check


def _list(item: Check | None = None) -> Check:
    def check(value, path, problems):
        if not isinstance(value, list):
            problems.add(path, f"must be a list, not {type_name(value)}")
        elif item is not None:
            for i, v in enumerate(value):
                item(v, join(path, i), problems)

    return check


def _mapping(fields: dict[str, Check] | None = None, required: tuple[str, ...] = ()) -> Check:
    """A mapping whose listed keys, where present, pass their checks; ``required`` ones must be there."""

    def check(value, path, problems):
        if not isinstance(value, dict):
            problems.add(path, f"must be a mapping, not {type_name(value)}")
            return
        for key in required:
            if key not in value:
                problems.add(join(path, key), "is required")
        for key, spec in (fields or {}).items():
            if key in value:
                spec(value[key], join(path, key), problems)

    return check


_FILE = _mapping(
    {
        "path": _text(nonempty=True, plain=True),
        "role": _text(),
        "sha256": _text(nullable=True),
        "bytes": _whole(nullable=True),
        "width": _whole(nullable=True),
        "height": _whole(nullable=True),
        "alt": _text(nullable=True),
    },
    required=("path", "role"),
)
_TEXT = _mapping(
    {
        "title": _text(nullable=True),
        "caption": _text(nullable=True),
        "comment": _text(nullable=True),
        "hashtags": _list(_text()),
        "counts": _mapping(),
    }
)
MANIFEST_SHAPE = _mapping(
    {
        "profile": _mapping({"id": _text(nonempty=True, plain=True)}, required=("id",)),
        "post": _mapping({"id": _text(nullable=True, plain=True)}),
        "files": _list(_FILE),
        "text": _TEXT,
        "changes": _list(),
        "warnings": _list(),
        "inputs": _mapping(),
        "privacy": _mapping(),
        "part": _text(nullable=True),  # "1/2"
    },
    required=("profile", "files"),
)


def manifest_problems(data: Any) -> list[str]:
    """Every problem with ``data`` as a manifest, each as ``key.path: what is wrong``; [] when fine."""
    problems = Problems()
    MANIFEST_SHAPE(data, "", problems)
    return problems.items
