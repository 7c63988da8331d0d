"""Importers: recognise a backlog's source by itself and stream its posts as repost.post.model.Post.

Each importer module has ``NAME``, ``detect(path) -> Path | None`` (what it would read) and
``iter_posts(found, downloads) -> Iterator[ImportedPost]``: a Post (media paths absolute, ids
stable across runs, ``source`` the record the manifest keeps) and what migrate must know first
(links to download, why it is skipped or failed, warnings). The table below is the detection
order: the most specific first, since a TikTok or Instagram export folder may also hold stray files
the looser ones accept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from repost.errors import InputError
from repost.migrate.importers import instagram, postfolders, tiktok, ytdlp
from repost.migrate.importers.common import ImportedPost

IMPORTERS = (tiktok, instagram, ytdlp, postfolders)


def detect_source(path: str | Path) -> tuple[str, Path]:
    """(importer name, what it reads) for SOURCE, or a clear error saying what was looked for."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", path)
    for module in IMPORTERS:
        found = module.detect(path)
        if found is not None:
            return module.NAME, found
    raise InputError(
        "not a source repost can migrate",
        path,
        hint="SOURCE is a folder of post folders, a yt-dlp folder (*.info.json beside the media), "
        "a TikTok export (user_data_tiktok.json or user_data.json) or an Instagram export folder; "
        "an export's ZIP as downloaded is taken too (docs/commands.md#migrate)",
    )


def iter_source(
    name: str, found: Path, downloads: Path, *, allow_outside_media: bool = False
) -> Iterator[ImportedPost]:
    """The posts of a detected source, one at a time (a backlog is never held in memory).
    ``allow_outside_media`` lets post folders' post.yaml name media outside their folder (the
    other importers find media where their export puts it)."""
    if name == postfolders.NAME:
        return postfolders.iter_posts(found, downloads, allow_outside=allow_outside_media)
    module = next(m for m in IMPORTERS if name == m.NAME)
    return module.iter_posts(found, downloads)
