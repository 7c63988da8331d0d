"""A bundle checked before anything is sent: its manifest sane, each file it sends held open and hashed.

Publishing sends what a manifest names, and a bundle is untrusted input: every file sent is a
regular file inside the bundle folder (no link, no `..`), of the size and sha256 its manifest
records, and the bytes sent are read from the very descriptor that was hashed (os.pread), so a file
renamed or swapped for a link after the check cannot change what goes out.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from repost.bundle.manifest import Manifest
from repost.errors import InputError
from repost.layout import CAPTION, MANIFEST, TITLE
from repost.publish.safeio import (
    MAX_TEXT_BYTES,
    Unsafe,
    exists_in,
    open_dir,
    open_in,
    read_json_in,
    split_name,
)
from repost.publish.secrets import fail

TEXTS = (CAPTION, TITLE)  # the text files publishing sends
HINT = (
    "a bundle is checked before anything is sent and this one is not as `repost export` made it; "
    "export it again (`repost validate` lists every problem)"
)
NOT_A_BUNDLE = "not a bundle (no readable manifest.json)"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_BLOCK = 1 << 20


@dataclass(eq=False)
class BundleFile:
    """One file of a checked bundle, held open: what is sent is what was hashed."""

    name: str  # as the manifest names it, relative to the bundle
    path: Path  # for messages only: never opened again by name
    size: int
    fd: int

    def pread(self, first: int, length: int) -> bytes:
        return os.pread(self.fd, length, first)

    def stream(self) -> _Stream:
        """A reader of exactly the checked bytes, for a request body."""
        return _Stream(self)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __str__(self) -> str:
        return str(self.path)


class _Stream:
    """``read(n)`` over a BundleFile, ending at its checked size even if the file grew since."""

    def __init__(self, file: BundleFile):
        self.file, self.pos = file, 0

    def read(self, n: int = -1) -> bytes:
        left = self.file.size - self.pos
        data = self.file.pread(self.pos, left if n is None or n < 0 else min(n, left))
        self.pos += len(data)
        return data


@dataclass(frozen=True)
class Bundle:
    """A bundle as publishing needs it; ``with`` it to close the files held open."""

    path: Path
    platform: str
    post_id: str
    kind: str  # video | photos
    media: tuple[BundleFile, ...]
    caption: str
    title: str | None
    duration_s: float | None
    held: tuple[BundleFile, ...] = field(default=(), repr=False)

    def close(self) -> None:
        for f in self.held:
            f.close()

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_bundle(path: Path) -> Bundle:
    """The checked manifest, caption and media of a bundle folder; a clear refusal naming the file
    and what is wrong when it is not a bundle or not as its manifest records it."""
    try:
        dir_fd = open_dir(path)
    except OSError:
        raise fail(NOT_A_BUNDLE, path, hint="give a folder made by `repost export`") from None
    held: list[BundleFile] = []
    try:
        if not exists_in(dir_fd, MANIFEST):
            raise fail(NOT_A_BUNDLE, path, hint="give a folder made by `repost export`")
        manifest = read_json_in(dir_fd, MANIFEST)
        facts = check_manifest(manifest)
        media = [_open_checked(dir_fd, path, e, held) for e in facts.media]
        texts = {name: _read_text(dir_fd, path, facts.files.get(name), name) for name in TEXTS}
        return Bundle(path=path, platform=facts.platform, post_id=facts.post_id, kind=facts.kind,
                      media=tuple(media), caption=texts[CAPTION] or "", title=texts[TITLE],
                      duration_s=facts.duration_s, held=tuple(held))  # fmt: skip
    except Unsafe as exc:
        for f in held:
            f.close()
        raise fail(f"refused, nothing sent: {exc}", path, HINT) from None
    except BaseException:
        for f in held:
            f.close()
        raise
    finally:
        os.close(dir_fd)


@dataclass(frozen=True)
class ManifestFacts:
    """What publishing reads from a manifest."""

    platform: str
    post_id: str  # with "#<part>" for a part of a split post
    files: dict[str, dict]  # every entry, by path
    media: tuple[dict, ...]  # the entries sent, in upload order
    kind: str  # video | photos
    duration_s: float | None


def check_manifest(doc: object) -> ManifestFacts:
    """The facts publishing reads from a manifest, each of the type it must have (else ``Unsafe``):
    the shape every reader checks (repost.bundle.manifest), then what sending needs besides (a
    post id, each file's size and digest, names that stay inside the bundle)."""
    try:
        manifest = Manifest.parse(doc)
    except InputError as exc:
        raise Unsafe(f"{MANIFEST}: {exc.what}") from None
    platform = _text(manifest.platform, "profile.id")
    post_id = _text(manifest.post_id, "post.id")
    if manifest.part is not None:
        # each part of a split post is a post of its own: "1/3" of post x is recorded as x#1/3
        post_id = f"{post_id}#{manifest.part}"
    entries = [dict(e.data) for e in manifest.files]
    files: dict[str, dict] = {}
    for i, entry in enumerate(entries):
        files[_check_entry(entry, i)["path"]] = entry
    videos = [e for e in entries if e["role"] == "video"]
    images = [e for e in entries if e["role"] == "image"]
    duration = videos[0].get("duration_s") if videos else None
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int | float) or not math.isfinite(duration)
    ):
        raise Unsafe(f"{MANIFEST} files: duration_s of {videos[0]['path']} is {duration!r}, not seconds")
    kind = "video" if videos else "photos"
    return ManifestFacts(platform, post_id, files, tuple(videos or images), kind, duration)


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value or "\0" in value:
        raise Unsafe(f"{MANIFEST} {key} is {_short(value)}, not a name")
    return value


def _check_entry(entry: object, i: int) -> dict:
    where = f"{MANIFEST} files[{i}]"
    if not isinstance(entry, dict):
        raise Unsafe(f"{where} is {_short(entry)}, not a JSON object")
    try:
        split_name(entry.get("path"))
    except Unsafe as exc:
        raise Unsafe(f"{where}.path: {exc}") from None
    if not isinstance(entry.get("role"), str):
        raise Unsafe(f"{where}.role is {_short(entry.get('role'))}, not a role")
    size = entry.get("bytes")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise Unsafe(f"{where}.bytes is {_short(size)}, not a size in bytes")
    if not isinstance(entry.get("sha256"), str) or not _SHA256.fullmatch(entry["sha256"]):
        raise Unsafe(f"{where}.sha256 is {_short(entry.get('sha256'))}, not a sha256 digest")
    return entry


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _open_checked(dir_fd: int, bundle: Path, entry: dict, held: list[BundleFile]) -> BundleFile:
    """Open one file the manifest lists and hash it through the descriptor that will be sent from."""
    name = entry["path"]
    fd, info = open_in(dir_fd, name)
    file = BundleFile(name, bundle / name, info.st_size, fd)
    held.append(file)
    _check_size(file, entry)
    digest, pos = hashlib.sha256(), 0
    while pos < file.size:
        block = file.pread(pos, min(_BLOCK, file.size - pos))
        if not block:
            raise Unsafe(f"{name} shrank while it was read")
        digest.update(block)
        pos += len(block)
    _check_digest(name, digest.hexdigest(), entry)
    return file


def _check_size(file: BundleFile, entry: dict) -> None:
    if file.size != entry["bytes"]:
        raise Unsafe(f"{file.name} is {file.size:,} bytes; {MANIFEST} records {entry['bytes']:,}")


def _check_digest(name: str, digest: str, entry: dict) -> None:
    if digest != entry["sha256"]:
        raise Unsafe(f"{name} changed since the bundle was made (sha256 differs from {MANIFEST})")


def _read_text(dir_fd: int, bundle: Path, entry: dict | None, name: str) -> str | None:
    """caption.txt or title.txt, checked like any file sent (the text is the bytes hashed); absent
    only if the manifest lists none."""
    if entry is None:
        if exists_in(dir_fd, name):
            raise Unsafe(f"{name} is not listed in {MANIFEST}")
        return None
    fd, info = open_in(dir_fd, name)
    try:
        file = BundleFile(name, bundle / name, info.st_size, fd)
        _check_size(file, entry)
        if file.size > MAX_TEXT_BYTES:
            raise Unsafe(f"{name} is {file.size:,} bytes, over repost's limit of {MAX_TEXT_BYTES:,} for it")
        raw = file.pread(0, file.size)
    finally:
        os.close(fd)
    _check_digest(name, hashlib.sha256(raw).hexdigest(), entry)
    try:
        return raw.decode("utf-8").rstrip("\n")
    except UnicodeDecodeError:
        raise Unsafe(f"{name} is not UTF-8 text") from None
