"""Where posts are: a post folder (holding a post.yaml), or a folder of post folders, as export,
check and migrate all take them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from repost.post.model import POST_FILE_NAMES


def has_post(folder: Path) -> bool:
    """Whether ``folder`` holds a post.yaml."""
    return any((folder / name).is_file() for name in POST_FILE_NAMES)


def expand_posts(args) -> Iterator[Path]:
    """POST arguments as export and check take them: a folder of post folders (what migrate
    takes) stands for each post folder in it; anything else is passed on as given (loading it
    says what is wrong)."""
    for arg in map(Path, args):
        if arg.is_dir() and not has_post(arg):
            folders = list(post_folders(arg))
            yield from folders or [arg]
        else:
            yield arg


def post_folders(root: Path) -> Iterator[Path]:
    """``root`` when it is a post folder, else its post folders in name order. Only the names
    are held and sorted (a Path per folder costs about four times as much), so a long backlog
    streams through in little memory."""
    if has_post(root):
        yield root
        return
    with os.scandir(root) as entries:
        names = sorted(e.name for e in entries if e.is_dir())
    for name in names:
        # Not root / name: pathlib would intern the listed string itself, keeping every name in
        # the interned-strings table for as long as the list lives.
        folder = Path(os.path.join(root, name))
        if has_post(folder):
            yield folder
