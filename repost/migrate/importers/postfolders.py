"""Importer for a folder of post folders, each holding a post.yaml (or one post folder alone)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

from repost.errors import RepostError
from repost.migrate.importers.common import IdMaker, ImportedPost, failed_post
from repost.post.model import POST_FILE_NAMES, Post, load_post

NAME = "posts"


def _has_post(folder: Path) -> bool:
    return any((folder / name).is_file() for name in POST_FILE_NAMES)


def detect(path: Path) -> Path | None:
    """The folder, when it is a post folder or holds at least one."""
    if not path.is_dir():
        return None
    if _has_post(path):
        return path
    with_posts = (p for p in path.iterdir() if p.is_dir() and _has_post(p))
    return path if next(with_posts, None) is not None else None


def iter_posts(root: Path, downloads: Path, *, allow_outside: bool = False) -> Iterator[ImportedPost]:
    """Each post folder in name order; a broken post.yaml becomes a post that fails alone.
    ``allow_outside``: media may lie outside a post's folder (--allow-outside-media)."""
    ids = IdMaker(keep=True)  # two folders saying the same id must not overwrite each other's bundles
    for folder in _post_folders(root):
        try:
            post = load_post(folder, allow_outside=allow_outside)
        except RepostError as exc:
            yield failed_post(ids, folder.name, NAME, folder, exc.one_line())
            continue
        if post.source is None:
            post = _with_source(post)
        unique = ids.make(post.id)
        yield ImportedPost(post if unique == post.id else dataclasses.replace(post, id=unique))


def expand_posts(args) -> Iterator[Path]:
    """POST arguments as export and check take them: a folder of post folders (what migrate
    takes) stands for each post folder in it; anything else is passed on as given (loading it
    says what is wrong)."""
    for arg in map(Path, args):
        if arg.is_dir() and not _has_post(arg):
            folders = list(_post_folders(arg))
            yield from folders or [arg]
        else:
            yield arg


def _post_folders(root: Path) -> Iterator[Path]:
    """``root`` when it is a post folder, else its post folders in name order. Only the names
    are held and sorted (a Path per folder costs about four times as much), so a long backlog
    streams through in little memory."""
    if _has_post(root):
        yield root
        return
    with os.scandir(root) as entries:
        names = sorted(e.name for e in entries if e.is_dir())
    for name in names:
        # Not root / name: pathlib would intern the listed string itself, keeping every name in
        # the interned-strings table for as long as the list lives.
        folder = Path(os.path.join(root, name))
        if _has_post(folder):
            yield folder


def _with_source(post: Post) -> Post:
    return dataclasses.replace(post, source=str(post.file))
