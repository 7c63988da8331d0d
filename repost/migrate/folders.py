"""Bundle folders that follow a post's name: the one-time move of an output folder made when
imported posts' folders were named by their ids (7301234567890123456) to readable names
(2025-01-14-golden-hour-on-the-pier-7301234), and again should a post's name change.

A post's bundles are moved the first time a run meets the post, before it is looked at: each
folder of its bundles (DIR/<old>, DIR/<old>-part<i>) is renamed whole, then its rows (and publish
records) are moved in one transaction. Renamed first, so a kill between the two leaves rows
naming a folder that is gone while the bundles wait, up to date, in the new one: the next run
finds them there (their manifests' fingerprints do not depend on the folder) and moves the rows.
Only a folder inside DIR whose every bundle is this post's moves; a name already taken is left
alone (the bundle writer then refuses to replace another post's bundle). A bundle's
publish.json moves with it, so a published bundle stays published.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from repost.bundle.manifest import Manifest
from repost.layout import WORK_DIR
from repost.migrate.state import State
from repost.plan import part_bundle_id, post_folder
from repost.post.model import Post

log = logging.getLogger(__name__)


def follow_name(post: Post, out: Path, state: State) -> None:
    """Move this post's bundles to the folders its name gives now (see the module's note), and
    name it so in all its rows, those of platforms this run leaves alone too (the report and
    schedule list them by it)."""
    rows = state.rows_of(post.id)
    moved = _move_folders(post, out, [r for r in rows if r.bundle])
    if moved or any(r.label != post.name for r in rows):
        state.move_bundles(post.id, moved, post.name)


def _move_folders(post: Post, out: Path, rows: list) -> dict[str, str]:
    """Each of the post's bundle folders renamed to the one its name gives: {old: new}."""
    moved: dict[str, str] = {}
    for old in dict.fromkeys(Path(r.bundle).parent for r in rows):
        part = next(r.part for r in rows if Path(r.bundle).parent == old)
        new = out / (part_bundle_id(post_folder(post), part) if part else post_folder(post))
        if old == new or not _inside(old, out):
            continue
        if new.is_dir() and not old.exists():
            moved[str(old)] = str(new)  # renamed by a run killed before its rows were moved
        elif old.is_dir() and not new.exists() and _all_of(old, post.id):
            try:
                os.replace(old, new)
            except OSError as exc:  # a read-only folder, another file system: left where it is
                log.debug("cannot move %s to %s: %s", old, new, exc)
                continue
            moved[str(old)] = str(new)
    return moved


def _inside(folder: Path, out: Path) -> bool:
    return folder.parent == out and folder.name != WORK_DIR


def _all_of(folder: Path, post_id: str) -> bool:
    """Every bundle in ``folder`` is this post's (its manifest says so), and there is one."""
    try:
        bundles = [p for p in folder.iterdir() if p.is_dir()]
    except OSError:
        return False
    manifests = [Manifest.find(b) for b in bundles]
    return bool(manifests) and all(m is not None and m.post_id == post_id for m in manifests)
