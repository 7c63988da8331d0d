"""One writing run per output folder: a lock on DIR/.repost/lock, released by the kernel when the
process ends in any way (SIGKILL included), so a killed run never leaves a stale lock behind."""

from __future__ import annotations

import errno
import logging
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from repost.errors import InputError, RepostError, UsageError
from repost.layout import LOCK, TMP, check_own

try:
    import fcntl
except ImportError:  # not POSIX: runs are not guarded against each other
    fcntl = None

LOCK_NAME = LOCK
log = logging.getLogger(__name__)


@contextmanager
def output_lock(work: Path):
    """Hold the lock of the output folder whose work folder (DIR/.repost) is ``work``; refuse
    with a usage error while another export or migrate writes there. Once held, what a killed
    run left in the work folder (half-made bundles, renditions) is cleared: no run can own it.
    Where the file system takes no locks (some network mounts) or the system has no flock, the
    run goes on unguarded and leaves leftovers alone, as another run may be using them."""
    for own, folder in ((work, True), (work / LOCK_NAME, False), (work / TMP, True)):
        check_own(own, folder=folder)  # a link there would have the run write, or clear, elsewhere
    try:
        work.mkdir(parents=True, exist_ok=True)
        fd = os.open(work / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise InputError(
            f"cannot write to the output folder: {exc.strerror or exc}",
            work.parent,
            hint="choose an --out you can write to",
        ) from exc
    busy = UsageError(
        "another repost run is writing to this output folder",
        work.parent,
        hint="wait for it to finish, or choose another --out",
    )
    try:
        held = hold_lock(fd, work.parent, busy)
        if held:
            clear_leftovers(work)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def hold_lock(fd: int, where: Path, busy: RepostError) -> bool:
    """Take the exclusive lock of the open file ``fd`` (held until it is closed) or raise ``busy``
    while another process, or another open of the file, holds it. False where the file system
    takes no locks or the system has no flock: the caller goes on unguarded."""
    if fcntl is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise busy from None
    except OSError as exc:
        if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
            log.warning("warning: %s takes no locks: a second run into it would not be refused", where)
            return False
        raise InputError(f"cannot take the lock: {exc.strerror or exc}", where) from exc
    return True


def clear_leftovers(work: Path) -> None:
    """Half-made bundles (never in place: bundles are renamed in whole) and rendition folders."""
    tmp = work / TMP
    leftovers = list(tmp.glob("*")) if tmp.is_dir() and not tmp.is_symlink() else []
    leftovers += work.glob("renditions-*")
    for leftover in leftovers:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
