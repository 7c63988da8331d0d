"""manifest.json as one type: every reader and the one writer go through ``Manifest``.

A bundle may come from anyone, so a manifest is read within bounds (repost.inputs: a regular
file, capped in size and depth) and checked against the shape repost reads
(bundle/manifest_shape.py) before any field is used: a reader gets typed values or one
InputError naming the file and every problem, never a KeyError or a TypeError later on. The
document is kept whole, so keys this version does not know (a newer repost's) are carried, and the
keys written are exactly those docs/bundles.md lists (the contract only grows).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import repost
from repost.bundle.manifest_shape import manifest_problems
from repost.errors import InputError
from repost.inputs import MANIFEST_MAX, read_json
from repost.layout import MANIFEST

SCHEMA = 1


@dataclass(frozen=True)
class FileEntry:
    """One ``files`` entry: the fields every reader uses, typed; the rest in ``data``."""

    path: str
    role: str  # video | image | cover | text
    sha256: str | None
    bytes: int | None
    data: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass(frozen=True)
class Manifest:
    """A bundle's manifest, of the shape repost reads (checked once, when it is made)."""

    data: Mapping[str, Any]

    # --- reading ------------------------------------------------------------------------------

    @classmethod
    def parse(cls, data: Any, where: object = MANIFEST) -> Manifest:
        """``data`` (a decoded JSON document) as a Manifest, else InputError naming every problem."""
        problems = manifest_problems(data)
        if problems:
            raise InputError("; ".join(problems), where)
        return cls(MappingProxyType(data))

    @classmethod
    def read(cls, bundle: str | os.PathLike[str]) -> Manifest:
        """The manifest of the bundle folder ``bundle``, read within bounds; InputError if it is
        missing, not a regular file, too big, too deep, not JSON or not of the shape."""
        path = Path(bundle) / MANIFEST
        return cls.parse(read_json(path, MANIFEST_MAX, "a manifest.json"), path)

    @classmethod
    def find(cls, bundle: str | os.PathLike[str]) -> Manifest | None:
        """The manifest, or None where there is none or it cannot be used (see ``read``)."""
        try:
            return cls.read(bundle)
        except InputError:
            return None

    # --- the fields, typed ----------------------------------------------------------------------

    def _section(self, key: str) -> Mapping[str, Any]:
        value = self.data.get(key)
        return value if isinstance(value, Mapping) else {}

    @property
    def platform(self) -> str:
        return self.data["profile"]["id"]

    @property
    def post_id(self) -> str | None:
        return self._section("post").get("id")

    @property
    def post_source(self) -> Any:
        return self._section("post").get("source")

    @property
    def part(self) -> str | None:
        """ "1/3" for a part of a split post, else None."""
        return self.data.get("part")

    @property
    def fingerprint(self) -> str | None:
        value = self._section("inputs").get("fingerprint")
        return value if isinstance(value, str) else None

    @property
    def files(self) -> tuple[FileEntry, ...]:
        return tuple(
            FileEntry(e["path"], e["role"], e.get("sha256"), e.get("bytes"), MappingProxyType(e))
            for e in self.data["files"]
        )

    @property
    def text(self) -> Mapping[str, Any]:
        return self._section("text")

    @property
    def changes(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.data.get("changes") or ())

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(str(w) for w in self.data.get("warnings") or ())

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.data, default=dict))  # a deep, plain, mutable copy

    # --- writing --------------------------------------------------------------------------------

    @classmethod
    def new(
        cls,
        *,
        profile: Mapping[str, Any],
        post: Mapping[str, Any],
        files: list[dict],
        text: Mapping[str, Any],
        changes: list[str],
        warnings: list[str],
        fingerprint: str,
        privacy: Mapping[str, Any] | None = None,
        part: str | None = None,
    ) -> Manifest:
        """A manifest for a bundle made now, its keys in the order docs/bundles.md gives them."""
        data: dict[str, Any] = {
            "schema": SCHEMA,
            "tool": {"name": "repost", "version": repost.__version__},
            "profile": dict(profile),
            "post": dict(post),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "files": files,
            "text": dict(text),
            "changes": list(changes),
            "warnings": list(warnings),
            "inputs": {"fingerprint": fingerprint},
        }
        if privacy is not None:
            data["privacy"] = dict(privacy)
        if part is not None:
            data["part"] = part
        return cls.parse(data, "a new manifest")  # what is written is what every reader takes

    def with_warnings(self, more: list[str]) -> Manifest:
        data = self.to_dict()
        data["warnings"] = [*data["warnings"], *more]
        return Manifest.parse(data, "a new manifest")

    def text_of(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def write(self, bundle: str | os.PathLike[str]) -> Path:
        """Write ``bundle``/manifest.json (UTF-8, LF). The caller writes it in a folder made aside
        and syncs it before renaming that folder into place, so no reader sees half of it."""
        path = Path(bundle) / MANIFEST
        path.write_text(self.text_of(), encoding="utf-8", newline="\n")
        return path
