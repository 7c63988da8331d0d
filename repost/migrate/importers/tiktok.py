"""Importer for a TikTok data export (JSON): both schemas, their key drift, and signed media links."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from repost.errors import InputError
from repost.migrate.importers.common import (
    IdMaker,
    ImportedPost,
    capped_caption,
    from_unix,
    get_key,
    get_path,
    imported,
    read_entry,
    read_json,
    text_or_none,
)
from repost.migrate.importers.naming import readable_folder
from repost.post.model import MediaItem, Post

NAME = "tiktok"
FILE_NAMES = ("user_data_tiktok.json", "user_data.json")  # 2024 onward, then older exports
# Where a creator's own posts live, newest schema first (E1, E2 in profiles/SOURCES.md): the 2024
# schema's Post › Posts › VideoList and the older Video › Videos › VideoList.
POST_LISTS = (("Post", "Posts", "VideoList"), ("Video", "Videos", "VideoList"))
PRIVATE = "only you"
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
)  # fmt: skip
_LINK_RE = re.compile(r"https?://\S+")
_PLAIN_ID_RE = re.compile(r"tiktok-\d{8}-\d{6}")  # a post's own second, no -2 told apart by order


def detect(path: Path) -> Path | None:
    """The export's JSON file: SOURCE itself, or in SOURCE, or one folder down."""
    if path.is_file():
        return path if path.name in FILE_NAMES else None
    if not path.is_dir():
        return None
    for name in FILE_NAMES:
        if (path / name).is_file():
            return path / name
    for sub in sorted(p for p in path.iterdir() if p.is_dir()):
        for name in FILE_NAMES:
            if (sub / name).is_file():
                return sub / name
    return None


def iter_posts(file: Path, downloads: Path) -> Iterator[ImportedPost]:
    """Each own post of the export, in its order; media are links fetched later into ``downloads``."""
    data = read_json(file)
    items = _post_list(data)
    if items is None:
        raise InputError(
            "no post list in this TikTok export (looked for Post › Posts › VideoList and "
            "Video › Videos › VideoList)",
            file,
            hint="was the export requested as JSON, with your posts included?",
        )
    ids = IdMaker()
    for n, item in enumerate(items, start=1):
        if isinstance(item, dict):
            make = partial(_post, item, file.resolve(), downloads, ids)
            yield read_entry(make, ids, f"tiktok-post{n}", NAME, file.resolve(), f"post {n}")


def _post_list(data) -> list | None:
    """The first non-empty post list; [] when the sections are there but empty (null in a real
    2024 export, not []); None when there is no such section at all."""
    found = None
    for keys in POST_LISTS:
        section = get_path(data, *keys[:-1])
        if isinstance(section, dict):
            value = get_key(section, keys[-1])
            if isinstance(value, list) and value:
                return value
            if value is None or isinstance(value, list):
                found = []
    return found


def _post(item: dict, file: Path, downloads: Path, ids: IdMaker) -> ImportedPost:
    when = text_or_none(get_key(item, "Date", "date"))
    created = _parse_date(when)
    # A photo post's Link holds one image link per line; a video post's holds one.
    links = _LINK_RE.findall(text_or_none(get_key(item, "Link", "link")) or "")
    stamp = created.strftime("%Y%m%d-%H%M%S") if created else "undated-" + _link_key(links)
    post_id = ids.make("tiktok-" + stamp)
    who = text_or_none(get_key(item, "WhoCanView", "whoCanView", "who_can_view")) or ""
    notes: dict = {"links": tuple(links), "private": who.casefold() == PRIVATE}
    if not links:
        notes["error"] = "no media link in the export for this post"
    if when and created is None:
        notes["warnings"] = (f"Date {when!r} not understood: the post is undated (--since, --until skip it)",)
    alt = text_or_none(get_key(item, "AlternateText", "alternateText"))
    # Each download is named after its link as well as the post: ids made apart by their
    # order (-2 for a second post in the same second) may move when a newer export adds a
    # post, and a post must never be given a file downloaded for another.
    media = tuple(
        MediaItem(path=(downloads / f"{post_id}-{i:02d}-{_link_key([link])}").resolve(), alt=alt)
        for i, link in enumerate(links, start=1)
    )
    if _PLAIN_ID_RE.fullmatch(post_id):
        # Before, downloads were named by the post alone: such a file is this post's where its
        # id is its own time (not one told apart by order), so it is used, not fetched again.
        notes["earlier"] = tuple(f"{post_id}-{i:02d}" for i in range(1, len(links) + 1))
    caption = capped_caption(text_or_none(get_key(item, "Title", "title", "Description")) or "", notes)
    # the id past "tiktok-<date>-": the post's time of day (and -2 for a second in the same second)
    key = post_id.removeprefix("tiktok-").removeprefix(created.strftime("%Y%m%d-") if created else "undated-")
    post = Post(
        id=post_id,
        folder=ids.folder(readable_folder(created, None, caption, key)),
        caption=caption,
        media=media,
        created=created,
    )
    return imported(post, NAME, file, notes)


def _link_key(links: list[str]) -> str:
    """A short name for links that stays the same across exports: their signatures (the query)
    change with every export, the object they point at does not."""
    text = "\n".join(link.split("?", 1)[0] for link in links)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _parse_date(text: str | None) -> dt.datetime | None:
    # The export's timezone is undocumented; UTC is the likeliest (E1 in profiles/SOURCES.md).
    if text and text.isdigit():
        return from_unix(text)  # a drifted export writing Unix seconds
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text or "", fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None
