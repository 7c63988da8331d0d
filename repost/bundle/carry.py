"""A bundle's publish record carried across a rebuild.

export --force and migrate make a bundle again beside the old one and rename it into place; the
old bundle's publish.json (repost/publish/records.py writes it) goes into the new one first, so a
published post stays published and publish never sends it a second time.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from repost.inputs import MANIFEST_MAX
from repost.layout import PUBLISH_JSON


def carry_publish_json(old: Path, new: Path) -> None:
    """Keep a bundle's publish record when the bundle is made again (export --force, migrate): the
    post stays published, so publish must not send it a second time. Only a regular file is kept."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(old / PUBLISH_JSON, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return  # none, a link, or unreadable: nothing to keep
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MANIFEST_MAX:
            return
        data = os.pread(fd, MANIFEST_MAX, 0)
    finally:
        os.close(fd)
    (new / PUBLISH_JSON).write_bytes(data)
