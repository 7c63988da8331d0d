"""The names of the files and folders repost writes, in one place (docs/bundles.md gives the layout).

An output folder DIR holds one folder per post (DIR/<post folder>/<platform-id>/, a bundle), the
migration's report and schedule files at its top, and repost's own work folder DIR/.repost. Every
module that reads or writes one of these names takes it from here, so the layout cannot drift
between the writer and its readers (validate, preview, publish, migrate).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from repost.errors import InputError

# --- a bundle: DIR/<post folder>/<platform-id>/ ---------------------------------------------
MANIFEST = "manifest.json"
CAPTION = "caption.txt"
TITLE = "title.txt"
HASHTAGS = "hashtags.txt"  # exactly one tag per line, no '#'
TOPICS = "topics.txt"  # topics in the platform's language to pick in the app (suggestions)
COMMENT = "comment.txt"  # hashtags over the limit, for a first comment (--overflow comment)
COVER = "cover.jpg"
PUBLISH_JSON = "publish.json"  # written by `repost publish`, not listed in the manifest

# --- the top of DIR: what a migration writes beside the post folders -------------------------
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
SCHEDULE_CSV = "schedule.csv"
SCHEDULE_ICS = "schedule.ics"

# --- DIR/.repost: repost's own state, never a post's folder ----------------------------------
WORK_DIR = ".repost"
STATE_DB = "state.db"  # migrate's rows (table bundles) and publish's records (publish_records)
LOCK = "lock"  # one writing run per output folder
LOCKS = "locks"  # one publish per account and post
TMP = "tmp"  # made aside, renamed into place; cleared by the next run
DOWNLOADS = "downloads"  # media fetched from an export's links
UNPACKED = "unpacked"  # an export's ZIP, unpacked once


def work_dir(out: str | Path) -> Path:
    """DIR/.repost of the output folder ``out``."""
    return Path(out) / WORK_DIR


def check_own(path: str | Path, *, folder: bool) -> None:
    """InputError where ``path``, a folder (DIR/.repost, or one in it) or file repost keeps for
    itself, is a symbolic link or of another kind. Whatever a link points at, repost would write
    or clear there, outside the output folder; and an output folder may come from anyone, links
    and all (unzip keeps them). Nothing there yet is fine: repost makes it."""
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except OSError:  # not there yet (or a parent is no folder: making it says so)
        return
    if stat.S_ISLNK(mode):
        why = f"{path.name} is a link; repost keeps its own files inside the output folder, never elsewhere"
        raise InputError(why, path, hint="delete the link (repost makes a new one)")
    if folder != stat.S_ISDIR(mode) or not (folder or stat.S_ISREG(mode)):
        kind = "a folder" if folder else "a regular file"
        raise InputError(f"{path.name} is not {kind}", path, hint="move it aside (repost makes a new one)")


def tmp_dir(out: str | Path) -> Path:
    """DIR/.repost/tmp: where files are written before they are renamed into place."""
    return Path(out) / WORK_DIR / TMP


def find_bundles(path: str | Path) -> list[Path]:
    """The bundles at ``path``: itself when it holds a manifest, else every folder under it that
    does, at any depth (DIR, or DIR/<post folder>), in path order, never inside DIR/.repost.
    [] when there is none (each caller says so in its own words)."""
    path = Path(path)
    if (path / MANIFEST).is_file():
        return [path]
    if not path.is_dir():
        return []
    # Not only regular files: a manifest.json that is a FIFO or a link is a bundle that the
    # reader refuses by name, never one silently passed over.
    return sorted(m.parent for m in path.rglob(MANIFEST) if WORK_DIR not in m.relative_to(path).parts)


def find_all_bundles(paths: Iterable[str | Path]) -> list[Path]:
    """``find_bundles`` of each PATH, in order; a PATH holding none is kept as it is, so the
    caller reports it ("not a bundle") instead of it vanishing from the run."""
    found: list[Path] = []
    for path in map(Path, paths):
        found.extend(find_bundles(path) or [path])
    return found
