"""The preview page: DIR/index.html shows every bundle under DIR as each platform will show it."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from repost.errors import BundleError, InputError
from repost.layout import MANIFEST, WORK_DIR
from repost.media.remembered import remembered
from repost.platforms.model import Profile
from repost.preview.data import collect_posts
from repost.preview.render import render_page

__all__ = ["PAGE", "write_preview"]

PAGE = "index.html"


def write_preview(
    out_dir: Path, profiles: Mapping[str, Profile], *, jobs: int = 1, sources: Sequence[Path] = ()
) -> Path:
    """Validate every bundle under ``out_dir`` and write ``out_dir``/index.html; returns its path.
    A smart crop's source is drawn under its window only where it lies inside ``sources`` (the
    folders the user named: a manifest is untrusted and may name any file; docs/commands.md)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise InputError("no such folder", out_dir)
    if (out_dir / MANIFEST).is_file():
        # index.html inside a bundle would be a file its manifest does not list (validate fails it).
        raise InputError(
            "is one bundle; the preview page goes in the folder of bundles",
            out_dir,
            hint=f"run repost preview {out_dir.parent.parent}",
        )
    # Posters (a frame of each video without a cover) are kept in DIR/.repost between runs.
    with remembered(out_dir.resolve() / WORK_DIR):
        posts = collect_posts(out_dir, profiles, jobs, sources)
    if not posts:
        raise InputError(
            "no bundle here (no manifest.json)",
            out_dir,
            hint="run repost export or repost migrate with --out here first",
        )
    bundles = sum(len(p["cards"]) for p in posts)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    page = render_page(
        posts,
        title=f"repost preview: {out_dir.resolve().name or out_dir}",
        subtitle=f"{len(posts):,} posts, {bundles:,} bundles, checked {when}. "
        "Nothing here is loaded from the network.",
    )
    dest = out_dir / PAGE
    tmp = out_dir / f".{PAGE}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        tmp.write_text(page, encoding="utf-8", newline="\n")
        os.replace(tmp, dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BundleError(f"cannot write the preview page: {exc.strerror}", exc.filename or dest) from exc
    return dest
