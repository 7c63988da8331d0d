"""Importer for a folder of post folders, each holding a post.yaml (or one post folder alone)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

from repost.errors import RepostError
from repost.migrate.importers.common import IdMaker, ImportedPost, failed_post
from repost.post.folders import has_post, post_folders
from repost.post.model import Post, load_post

NAME = "posts"


def detect(path: Path) -> Path | None:
    """The folder, when it is a post folder or holds at least one."""
    if not path.is_dir():
        return None
    if has_post(path):
        return path
    with_posts = (p for p in path.iterdir() if p.is_dir() and has_post(p))
    return path if next(with_posts, None) is not None else None


def iter_posts(root: Path, downloads: Path, *, allow_outside: bool = False) -> Iterator[ImportedPost]:
    """Each post folder in name order; a broken post.yaml becomes a post that fails alone.
    ``allow_outside``: media may lie outside a post's folder (--allow-outside-media)."""
    ids = IdMaker(keep=True)  # two folders saying the same id must not overwrite each other's bundles
    for folder in post_folders(root):
        try:
            post = load_post(folder, allow_outside=allow_outside)
        except RepostError as exc:
            yield failed_post(ids, folder.name, NAME, folder, exc.one_line())
            continue
        if post.source is None:
            post = _with_source(post)
        unique = ids.make(post.id)
        yield ImportedPost(post if unique == post.id else dataclasses.replace(post, id=unique))


def _with_source(post: Post) -> Post:
    return dataclasses.replace(post, source=str(post.file))
