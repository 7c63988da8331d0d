"""Placing a file that is already made into a bundle: a reflink where the file system can, else a copy;
and remembering which files are byte-identical, so none is hashed or probed twice."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import threading
from collections import OrderedDict
from pathlib import Path

# FICLONE from linux/fs.h (_IOW(0x94, 9, int)): the destination shares the source's extents,
# copy-on-write (Btrfs, XFS with reflink=1, bcachefs, ZFS 2.2+); a later write to either file
# gives it its own blocks, so the two stay independent.
FICLONE = 0x40049409
# How identical files are placed (REPOST_LINK): "auto" reflinks, else copies; "hardlink" also
# hard-links between bundles where reflinks are not available; "copy" always copies. Hard links
# are opt-in: repost never writes into a bundle in place (bundles are made aside and renamed,
# a remade bundle is a new folder), but a tool that rewrites a file in place (``ffmpeg -y``
# onto 01.mp4, an editor saving over it) would change every bundle sharing the inode.
LINK_ENV = "REPOST_LINK"
_NOT_SUPPORTED = {errno.EOPNOTSUPP, errno.ENOTTY, errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EPERM}
_KNOWN_MAX = 4096  # identities remembered: a backlog streams through, memory stays flat

_lock = threading.Lock()
_same_as: OrderedDict[tuple, tuple] = OrderedDict()  # a placed file -> the file it came from
_digests: OrderedDict[tuple, str] = OrderedDict()  # a file -> its sha256
_paths: OrderedDict[tuple, str] = OrderedDict()  # an original's identity -> its path


def link_mode() -> str:
    mode = os.environ.get(LINK_ENV, "auto").strip().lower()
    return mode if mode in ("auto", "hardlink", "copy") else "auto"


def place_file(src: Path, dest: Path, *, hardlink: bool = True) -> str:
    """Put a byte-identical copy of ``src`` at ``dest``: "reflink", "hardlink" or "copy".

    ``hardlink`` False for a user's own file (a source): editing their original must never
    change a bundle, so it is reflinked or copied only.
    """
    mode = link_mode()
    how = "copy"
    if mode != "copy" and _reflink(src, dest):
        how = "reflink"
    elif mode == "hardlink" and hardlink and _hardlink(src, dest):
        how = "hardlink"
    else:
        shutil.copyfile(src, dest)
    remember_copy(src, dest)
    return how


def _reflink(src: Path, dest: Path) -> bool:
    if not hasattr(fcntl, "ioctl"):
        return False
    try:
        with open(src, "rb") as s, open(dest, "wb") as d:
            fcntl.ioctl(d.fileno(), FICLONE, s.fileno())
        return True
    except OSError as exc:
        if exc.errno not in _NOT_SUPPORTED:
            raise
        dest.unlink(missing_ok=True)
        return False


def _hardlink(src: Path, dest: Path) -> bool:
    try:
        os.link(src, dest)
        return True
    except OSError as exc:
        if exc.errno not in (*_NOT_SUPPORTED, errno.EMLINK):
            raise
        return False


def _identity(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _put(table: OrderedDict, key, value) -> None:
    table[key] = value
    table.move_to_end(key)
    while len(table) > _KNOWN_MAX:
        table.popitem(last=False)


def remember_copy(src: Path, dest: Path) -> None:
    """``dest`` was just made byte for byte from ``src``."""
    a, b = _identity(src), _identity(dest)
    if a is None or b is None:
        return
    with _lock:
        root = _same_as.get(a, a)
        _put(_paths, root, _paths.get(root, str(src)))
        if b != root:
            _put(_same_as, b, root)


def original_of(path: Path) -> Path:
    """The file ``path`` was copied from, while both are unchanged (else ``path`` itself): its
    probe is cached already."""
    me = _identity(path)
    with _lock:
        root = _same_as.get(me)
        there = _paths.get(root) if root else None
    if there is not None and _identity(Path(there)) == root:
        return Path(there)
    return path


def sha256_known(path: Path, compute) -> str:
    """``compute(path)``, once for every unchanged copy of the same bytes."""
    me = _identity(path)
    if me is None:
        return compute(path)
    with _lock:
        root = _same_as.get(me, me)
        known = _digests.get(root)
    if known is not None:
        return known
    digest = compute(path)
    with _lock:
        _put(_digests, root, digest)
    return digest
