"""Importer for a yt-dlp download folder: ``*.info.json`` beside each downloaded media file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from repost.errors import RepostError
from repost.inputs import INFO_JSON_MAX
from repost.migrate.importers.common import (
    IdMaker,
    ImportedPost,
    capped_caption,
    failed_post,
    from_unix,
    imported,
    read_entry,
    read_json,
    text_or_none,
)
from repost.migrate.importers.naming import id_key, readable_folder
from repost.post.model import Cover, MediaItem, Post

NAME = "yt-dlp"
INFO_SUFFIX = ".info.json"
VIDEO_EXT = (".mp4", ".webm", ".mkv", ".mov", ".m4v")
AUDIO_EXT = (".mp3", ".m4a", ".opus", ".ogg", ".aac", ".wav")
THUMB_EXT = (".jpg", ".jpeg", ".webp", ".png")
# yt-dlp cannot fetch the pictures of a TikTok photo post ("slideshow") and keeps its sound only.
PHOTOS_HINT = (
    "yt-dlp saved only the sound of this photo post: fetch the photos with gallery-dl "
    "(gallery-dl {url}) or save them from the app, then migrate them as a post folder"
)


def detect(path: Path) -> Path | None:
    if path.is_dir() and next(path.glob("*" + INFO_SUFFIX), None) is not None:
        return path
    return None


def iter_posts(root: Path, downloads: Path) -> Iterator[ImportedPost]:
    """One post per ``*.info.json`` (playlists skipped), in file-name order."""
    ids = IdMaker()
    for info_file in sorted(root.glob("*" + INFO_SUFFIX)):
        stem = info_file.name[: -len(INFO_SUFFIX)]
        try:
            info = read_json(info_file, INFO_JSON_MAX, "a yt-dlp info.json")
        except RepostError as exc:
            yield failed_post(ids, stem, NAME, info_file, exc.one_line())
            continue
        if not isinstance(info, dict) or info.get("_type") in ("playlist", "multi_video"):
            continue
        yield read_entry(partial(_post, info, info_file, stem, ids), ids, stem, NAME, info_file, "the entry")


def _post(info: dict, info_file: Path, stem: str, ids: IdMaker) -> ImportedPost:
    post_id = ids.make(text_or_none(info.get("id")) or stem)
    media = _find_media(info, info_file.parent, stem)
    url = text_or_none(info.get("webpage_url")) or text_or_none(info.get("original_url"))
    notes: dict = {"url": url, "watermark": watermarked_format(info)}
    if media is None:
        notes["error"] = f"no media file beside {info_file.name} (was the download finished?)"
    elif media.suffix.lower() in AUDIO_EXT:
        notes["skip"] = PHOTOS_HINT.format(url=url or "URL")
    description = capped_caption(text_or_none(info.get("description")) or "", notes)
    title = text_or_none(info.get("title"))
    if title and description.startswith(title.rstrip(".… ")):
        title = None  # TikTok's "title" is the description cut short: not a real title
    thumb = _find_thumbnail(info_file.parent, stem)
    created = _created(info)
    post = Post(
        id=post_id,
        folder=ids.folder(readable_folder(created, title, description, id_key(post_id))),
        title=title,
        caption=description,
        hashtags=_tags(info.get("tags")),
        media=(MediaItem(path=media.resolve()),) if media is not None else (),
        cover=Cover(path=thumb.resolve()) if thumb is not None else None,
        created=created,
    )
    return imported(post, NAME, info_file.resolve(), notes)


def watermarked_format(info: dict) -> str | None:
    """The downloaded format where yt-dlp calls it watermarked (its TikTok extractor gives the
    app's download address format_note "watermarked"), for a warning on export."""
    words = [str(info.get(k)) for k in ("format_id", "format_note", "format") if info.get(k)]
    return next((w for w in words if "watermark" in w.lower()), None)


def _tags(value) -> tuple[str, ...]:
    """yt-dlp's ``tags``: a list of words; text where a list belongs is read as comma-separated,
    and anything that is not text is left out (never "None" or a dict's spelling as a tag)."""
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else ()
    tags = (text_or_none(t) for t in items if isinstance(t, str))
    return tuple(t.lstrip("#") for t in tags if t and t.lstrip("#"))


def _find_media(info: dict, folder: Path, stem: str) -> Path | None:
    for key in ("filepath", "_filename", "filename"):
        name = info.get(key)
        if isinstance(name, str) and name and (folder / Path(name).name).is_file():
            return folder / Path(name).name
    for ext in (*VIDEO_EXT, *AUDIO_EXT):
        if (folder / (stem + ext)).is_file():
            return folder / (stem + ext)
    return None


def _find_thumbnail(folder: Path, stem: str) -> Path | None:
    for ext in THUMB_EXT:
        if (folder / (stem + ext)).is_file():
            return folder / (stem + ext)
    return None


def _created(info: dict) -> dt.datetime | dt.date | None:
    when = from_unix(info.get("timestamp"))
    if when is not None:
        return when
    day = str(info.get("upload_date") or "")
    try:
        return dt.datetime.strptime(day, "%Y%m%d").date() if day else None
    except ValueError:
        return None
