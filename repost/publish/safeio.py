"""Reading an untrusted bundle: only regular files inside its folder, never through a link, capped.

A bundle may come from anyone (a teammate, a download), so every name it gives is opened one path
component at a time relative to the bundle folder's descriptor with O_NOFOLLOW: a symbolic link
anywhere, a `..`, an absolute path or a FIFO is refused, and a file swapped for a link after the
check cannot be read through it, as the descriptor checked is the one read from. O_NONBLOCK makes
opening a FIFO return at once (then refused) instead of waiting for a writer.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from repost.inputs import MANIFEST_MAX, TEXT_FILE_MAX
from repost.publish.secrets import fail

# The caps of repost/inputs.py: a manifest.json and a publish.json are read through one cap (a
# manifest of 35 photos is about 20 KB, a publish.json under 1 KB), caption.txt and title.txt
# through the text file's.
MAX_JSON_BYTES = MANIFEST_MAX
MAX_TEXT_BYTES = TEXT_FILE_MAX

_READ = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
    stat.S_IFLNK: "a symbolic link",
}


class Unsafe(Exception):
    """A name or file the bundle may not hold; the message names it and says why."""


def split_name(name: object) -> list[str]:
    """The components of a file name a manifest gives, if it stays inside the bundle folder."""
    if not isinstance(name, str) or not name:
        raise Unsafe(f"{name!r} is not a file name")
    if "\0" in name:
        raise Unsafe(f"{name!r} holds a NUL character")
    if name.startswith("/"):
        raise Unsafe(f"{name!r} is an absolute path; a bundle names its files relative to itself")
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise Unsafe(f"{name!r} leaves the bundle folder or is not a plain relative path")
    return parts


def open_dir(path: Path) -> int:
    """A descriptor of the folder the user named (a link the user gave is theirs to give)."""
    return os.open(path, _READ | _DIRECTORY)


def open_in(dir_fd: int, name: str) -> tuple[int, os.stat_result]:
    """Open ``name`` under the folder ``dir_fd`` for reading: a regular file, reached without links."""
    parts = split_name(name)
    fd = os.dup(dir_fd)
    try:
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            flags = _READ | _NOFOLLOW | (_NONBLOCK if last else _DIRECTORY)
            try:
                nxt = os.open(part, flags, dir_fd=fd)
            except OSError as exc:
                raise Unsafe(_why(fd, part, name, exc)) from None
            os.close(fd)
            fd = nxt
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unsafe(f"{name} is {KINDS.get(stat.S_IFMT(info.st_mode), 'not a regular file')}")
        return fd, info
    except BaseException:
        os.close(fd)
        raise


def _why(dir_fd: int, part: str, name: str, exc: OSError) -> str:
    try:
        mode = os.stat(part, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except OSError:
        return f"{name}: {exc.strerror or exc}"
    if stat.S_ISLNK(mode) and part == name.rsplit("/", 1)[-1]:
        return f"{name} is a symbolic link (a bundle's files must be regular files inside it)"
    if stat.S_ISLNK(mode):
        return f"{name}: the folder {part} is a symbolic link (a bundle's files must be inside it)"
    return f"{name}: {exc.strerror or exc}"


def exists_in(dir_fd: int, name: str) -> bool:
    """Whether anything (a link included) has this name in the folder."""
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def read_all(fd: int, size: int, cap: int, name: str) -> bytes:
    """The file's bytes, at most ``cap`` of them."""
    if size > cap:
        raise Unsafe(f"{name} is {size:,} bytes, over repost's limit of {cap:,} bytes for it")
    chunks, total = [], 0
    while True:
        chunk = os.read(fd, min(1 << 20, cap + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > cap:  # grew since fstat
            raise Unsafe(f"{name} is over repost's limit of {cap:,} bytes for it")


def read_json_in(dir_fd: int, name: str, cap: int = MAX_JSON_BYTES) -> object:
    """A JSON file in the folder, capped, parsed with every failure as ``Unsafe`` (naming it)."""
    fd, info = open_in(dir_fd, name)
    try:
        raw = read_all(fd, info.st_size, cap, name)
    finally:
        os.close(fd)
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Unsafe(f"{name} is not UTF-8") from None
    except RecursionError:
        raise Unsafe(f"{name} nests deeper than repost reads") from None
    except ValueError as exc:
        raise Unsafe(f"{name} is not valid JSON ({exc})") from None


def read_json_file(path: Path, cap: int = MAX_JSON_BYTES, hint: str | None = None) -> object | None:
    """``read_json_in`` for the file at ``path`` (its folder as the user named it); None if absent."""
    try:
        dir_fd = open_dir(path.parent)
    except OSError as exc:
        raise fail(f"cannot read {path.name}: {exc.strerror or exc}", path, hint) from None
    try:
        if not exists_in(dir_fd, path.name):
            return None
        return read_json_in(dir_fd, path.name, cap)
    except Unsafe as exc:
        raise fail(str(exc), path, hint) from None
    finally:
        os.close(dir_fd)
