"""Importer for an Instagram export (JSON): posts and reels, three layouts, mojibake repaired."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

from repost.errors import RepostError
from repost.migrate.importers.common import (
    IdMaker,
    ImportedPost,
    capped_caption,
    failed_post,
    fix_mojibake,
    from_unix,
    imported,
    read_entry,
    read_json,
    text_or_none,
)
from repost.migrate.importers.naming import readable_folder
from repost.post.model import MediaItem, Post

NAME = "instagram"
# Where posts_N.json and reels.json live, newest layout first (E3, E4 in profiles/SOURCES.md).
CONTENT_DIRS = ("your_instagram_activity/media", "your_instagram_activity/content", "content")


def detect(path: Path) -> Path | None:
    return path if path.is_dir() and _content_dir(path) is not None else None


def _content_dir(root: Path) -> Path | None:
    for rel in CONTENT_DIRS:
        d = root / rel
        if d.is_dir() and (next(d.glob("posts_*.json"), None) or (d / "reels.json").is_file()):
            return d
    return None


def _files(content: Path) -> list[Path]:
    def number(p: Path) -> int:
        tail = p.stem.rsplit("_", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    posts = sorted(content.glob("posts_*.json"), key=number)
    return posts + ([content / "reels.json"] if (content / "reels.json").is_file() else [])


def iter_posts(root: Path, downloads: Path) -> Iterator[ImportedPost]:
    """Every post and reel, file by file; media uris are relative to the export's top folder."""
    ids = IdMaker()
    for file in _files(_content_dir(root)):
        try:
            data = fix_mojibake(read_json(file))
        except RepostError as exc:
            yield failed_post(ids, file.stem, NAME, file, exc.one_line())
            continue
        entries = data.get("ig_reels_media") if isinstance(data, dict) else data
        if not isinstance(entries, list):
            expected = "a list of posts" if file.name != "reels.json" else 'an "ig_reels_media" list'
            yield failed_post(
                ids, file.stem, NAME, file, f"not an Instagram export file: {file.name} holds no {expected}"
            )
            continue
        for n, entry in enumerate(entries, start=1):
            if isinstance(entry, dict) and isinstance(entry.get("media"), list) and entry["media"]:
                make = partial(_post, entry, file.resolve(), root.resolve(), ids)
                yield read_entry(make, ids, f"{file.stem}-post{n}", NAME, file, f"post {n}")


def _post(entry: dict, file: Path, root: Path, ids: IdMaker) -> ImportedPost:
    children = [m for m in entry["media"] if isinstance(m, dict)]
    # A carousel keeps its caption and time at the top; a single post keeps them in media[0].
    first = children[0] if children else {}
    caption = text_or_none(entry.get("title")) or text_or_none(first.get("title")) or ""
    created = from_unix(entry.get("creation_timestamp") or first.get("creation_timestamp"))
    post_id = ids.make("instagram-" + (created.strftime("%Y%m%d-%H%M%S") if created else "undated"))
    uris = [m.get("uri") if isinstance(m.get("uri"), str) else "" for m in children]
    # A uri is relative to the export folder; one that leads out of it (.., absolute) is refused.
    outside = [u for u in uris if u and not (root / u).resolve().is_relative_to(root)]
    paths = [root / u for u in uris if u and u not in outside]
    missing = [str(p.relative_to(root)) for p in paths if not p.is_file()]
    notes: dict = {"kind": "reel" if file.name == "reels.json" else "post"}
    if not all(uris):
        notes["error"] = "a media entry names no file (no uri)"
    elif outside:
        notes["error"] = f"media uri outside the export folder: {', '.join(outside)}"
    elif missing:
        notes["error"] = f"media file not found in the export: {', '.join(missing)}"
    # the id past "instagram-<date>-": the post's time of day (and -2 for a second in the same second)
    day = created.strftime("%Y%m%d-") if created else "undated"
    key = post_id.removeprefix("instagram-").removeprefix(day)
    post = Post(
        id=post_id,
        folder=ids.folder(readable_folder(created, None, caption, key.strip("-"))),
        caption=capped_caption(caption, notes),
        media=tuple(MediaItem(path=p) for p in paths if p.is_file()),
        created=created,
    )
    return imported(post, NAME, file, notes)
