"""Reading untrusted data files within bounds: regular files only, capped in size, depth and YAML aliases.

Every structured file repost reads whole (post.yaml, profiles, manifest.json, an export's JSON)
comes through here, so no input can hang a run (a FIFO, /dev/zero), exhaust memory (a 60 MB
post.yaml, a YAML alias bomb) or end it in a RecursionError (JSON nested ten thousand deep).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from repost.errors import InputError

MB = 1_000_000
# The caps on what is read whole into memory. Each is far above any real file of its kind (a
# post.yaml or a profile is a few KB, a manifest about 10 KB, a yt-dlp info.json a few MB even
# with comments; TikTok's user_data JSON holds an account's whole history, tens of MB in large
# accounts) and far below what would exhaust a machine's memory once parsed.
POST_YAML_MAX = 1 * MB
PROFILE_YAML_MAX = 1 * MB
MANIFEST_MAX = 8 * MB
TEXT_FILE_MAX = 1 * MB  # caption.txt, title.txt... in a bundle
INFO_JSON_MAX = 64 * MB
EXPORT_JSON_MAX = 512 * MB
# A translation engine's answer: at most 50 texts of one post (DeepL's and LibreTranslate's
# batches, under 128 KiB sent), so a few hundred KB even in a verbose JSON.
ENGINE_ANSWER_MAX = 8 * MB
# The most a media file may hold where repost reads one it was pointed at (a download, a source a
# manifest names). Links come from the exports of the platforms repost migrates from (TikTok,
# Instagram), whose largest upload is TikTok's 10 GB by hand (profiles/tiktok.yaml, max_bytes
# app); twice that is far above any real post and still stops an endless body long before a disk
# of today is full. A fixed figure, not the largest loaded profile's: Shorts allows 256 GB,
# which bounds nothing.
MEDIA_MAX = 20_000 * MB
# Nesting: real files go 6 to 8 levels deep; recursive code over them (mojibake repair, lone
# surrogates) must stay far from Python's recursion limit of 1000.
MAX_DEPTH = 100
# Values YAML aliases would copy in (each alias expanded as its anchor's whole subtree): a
# shared block of platform overrides is dozens; "nine levels of nine aliases" is 387 million.
MAX_ALIAS_COPIES = 10_000

# libyaml's safe loader where PyYAML was built with it: the same safe constructors, parsed in C
# (post.yaml loading was most of a nothing-to-do migrate over a large backlog).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_bounded(path: str | os.PathLike[str], limit: int, kind: str) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them, else InputError.

    Read to at most ``limit`` + 1 bytes, so a file that grows meanwhile cannot be read forever.
    """
    path = Path(path)
    try:
        f = open_regular(path, kind)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    except ValueError:  # a NUL in the path
        raise InputError("the path holds a NUL character", repr(str(path))) from None
    with f:
        size = os.fstat(f.fileno()).st_size
        _refuse_size(size, path, limit, kind)
        try:
            data = f.read(size + 1)  # not limit + 1: a read of n allocates n bytes first
            if len(data) > size:  # grown since: on to the limit, no further
                data += f.read(limit + 1 - len(data))
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", path) from None
    if len(data) > limit:
        raise InputError(f"{path.name} is over the {size_text(limit)} limit for {kind}", path)
    return data


def open_regular(path: Path, kind: str) -> BinaryIO:
    """``path`` opened for reading if it is a regular file, else InputError; OSError passes.

    Checked before opening (a device or FIFO is never opened), opened without blocking (one
    swapped in after the check cannot hang the open) and checked again on the open file.
    """
    _refuse_kind(os.stat(path), path, kind)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    f = open(fd, "rb", closefd=True)  # noqa: SIM115 (returned open, for the caller's with)
    try:
        _refuse_kind(os.fstat(fd), path, kind)
    except InputError:
        f.close()
        raise
    return f


def recorded_source(
    recorded: object, roots: Sequence[Path] | None, kind: str, hint: str | None = None
) -> Path:
    """The file an untrusted record (a manifest's ``source``) names, if it may be read: resolved
    (symlinks followed) to a regular file inside one of ``roots`` (the folders the user named for
    sources; None: wherever it is, where the user asked for this very file), at most MEDIA_MAX
    bytes; else InputError saying why. A manifest may come from anyone: without this, one naming
    ~/Pictures/private.jpg would have it read and shown, and one naming a FIFO would hang."""
    if not isinstance(recorded, str) or not recorded:
        raise InputError("the manifest records no source path", repr(recorded)[:80])
    if "\0" in recorded:
        raise InputError("the recorded source path holds a NUL character", repr(recorded)[:80])
    try:
        path = Path(recorded).resolve(strict=True)
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("no such file", recorded) from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop on older Pythons
        raise InputError(f"cannot read: {getattr(exc, 'strerror', None) or exc}", recorded) from None
    if roots is not None and not any(path.is_relative_to(Path(r).resolve()) for r in roots):
        named = ", ".join(str(r) for r in roots) or "none named"
        raise InputError(f"outside the folders sources are read from ({named})", recorded, hint=hint)
    _refuse_kind(st, path, kind)
    _refuse_size(st.st_size, path, MEDIA_MAX, kind)
    return path


def _refuse_kind(st: os.stat_result, path: Path, kind: str) -> None:
    for test, what in _KINDS:
        if test(st.st_mode):
            raise InputError(f"{path.name} is {what}, not a regular file", path, hint=f"give {kind}")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path.name} is not a regular file", path, hint=f"give {kind}")


def _refuse_size(size: int, path: Path, limit: int, kind: str) -> None:
    if size > limit:
        raise InputError(
            f"{path.name} is {size_text(size)}, over the {size_text(limit)} limit for {kind}", path
        )


def size_text(n: int) -> str:
    """1500000 -> "1.5 MB"; 60000000 -> "60 MB"; under a megabyte in KB."""
    if n < MB:
        return f"{max(1, round(n / 1000)):,} KB"
    return f"{n / MB:,.1f}".removesuffix(".0") + " MB"


def read_text(path: str | os.PathLike[str], limit: int, kind: str) -> str:
    """A bounded file as UTF-8 text (a BOM, as Windows editors write, is dropped)."""
    raw = read_bounded(path, limit, kind)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", path) from None


def read_json(path: str | os.PathLike[str], limit: int, kind: str, *, hint: str | None = None) -> Any:
    """A bounded JSON file, at most MAX_DEPTH levels deep; every failure an InputError naming it."""
    return parse_json(read_text(path, limit, kind), path, hint=hint)


def read_json_answer(stream: BinaryIO, limit: int, kind: str, where: object) -> Any:
    """JSON read from a network answer (an open HTTP response): at most ``limit`` bytes, then
    parsed as a file is, MAX_DEPTH levels deep at most; every failure an InputError."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{kind} is over the {size_text(limit)} limit", where)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{kind} is not UTF-8 text ({exc.reason})", where) from None
    return parse_json(text, where)


def parse_json(text: str, where: object, *, hint: str | None = None) -> Any:
    """``text`` parsed as JSON, at most MAX_DEPTH levels deep; every failure an InputError.
    NaN, Infinity and -Infinity (Python's extension, not JSON) read as null: passed on as
    numbers they compare false with every limit and, embedded in the preview page, make its
    whole data unreadable to the browser's JSON.parse."""
    try:
        data = json.loads(text, parse_constant=lambda _constant: None)
    except RecursionError:  # the C decoder stops at the interpreter's recursion limit
        raise InputError(f"nested deeper than {MAX_DEPTH} levels", where, hint=hint) from None
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}", where, hint=hint) from None
    check_depth(data, where)
    return data


def check_depth(value: Any, where: object, limit: int = MAX_DEPTH) -> None:
    """InputError when lists and mappings in ``value`` nest deeper than ``limit`` (no recursion)."""
    if not isinstance(value, dict | list):
        return
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            raise InputError(f"nested deeper than {limit} levels", where)
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))


def read_yaml(path: str | os.PathLike[str], limit: int, kind: str) -> Any:
    """A bounded YAML file, loaded safely with its aliases and depth checked before any value is made."""
    text = read_text(path, limit, kind)
    try:
        loader = SAFE_LOADER(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_nodes(node, path)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else path
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"YAML syntax error: {problem}", where) from None


def _check_nodes(root: yaml.Node, where: object) -> None:
    """Refuse a YAML document whose aliases would copy in more than MAX_ALIAS_COPIES values, that
    refers to itself, or that nests deeper than MAX_DEPTH. The composed graph shares one node per
    anchor, so this walks each node once, counting what the aliases would expand to."""
    size: dict[int, int] = {}  # id(node) -> values in it, aliases expanded
    open_nodes: set[int] = set()  # the current node's ancestors
    copies = 0
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, closing = stack.pop()
        key = id(node)
        children = _children(node)
        if closing:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
        elif key in size:  # met again: an alias, which loading would expand into a copy
            copies += size[key]
            if copies > MAX_ALIAS_COPIES:
                raise InputError(
                    f"too many YAML aliases (they would copy in over {MAX_ALIAS_COPIES:,} values)", where
                )
        elif key in open_nodes:
            raise InputError("a YAML alias refers to the node that holds it (an endless loop)", where)
        elif depth > MAX_DEPTH:
            raise InputError(f"nested deeper than {MAX_DEPTH} levels", where)
        elif not children:
            size[key] = 1
        else:
            open_nodes.add(key)
            stack.append((node, depth, True))
            stack.extend((c, depth + 1, False) for c in children)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []
