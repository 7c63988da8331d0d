"""Probing a post's media, and carrying a carousel on without a photo that cannot be read.

One unreadable photo used to fail a six-photo post on every platform. A carousel now goes on
with the photos that read, and each bundle names the photo left out in a warning (the summary
and the manifest's ``warnings``), never silently. A post with no readable photo left, a video,
or ``--strict-photos`` fails as before (docs/post-yaml.md#media).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from repost.errors import MediaError
from repost.media.images import open_photo
from repost.media.probe import probe_media
from repost.post.model import MediaItem, Post

# The check decodes a JPEG at 1/8 of its size straight from its DCT blocks: a truncated or
# corrupt file fails there as it would at full size, for a fraction of the time.
CHECK_SCALE = 0.125


@dataclass(frozen=True)
class Skipped:
    """A photo left out of a carousel: its path and why it could not be read."""

    path: Path
    reason: str

    def warning(self, kept: int, of: int) -> str:
        return (
            f"left out {self.path.name}: {self.reason}; the carousel goes on with {kept} of {of} photos"
            " (--strict-photos fails the post instead)"
        )


def probe_post(post: Post, lists: Iterable[tuple[MediaItem, ...]], strict: bool):
    """Facts about every file of ``lists`` (the media lists the targets use):
    ``(post, facts, skipped)``, the post without the photos left out.

    Raises the first file's MediaError where the strict rule holds: ``strict``, a file that
    is not a photo of a carousel, or a carousel with no readable photo left."""
    lists = [tuple(items) for items in lists]
    paths = dict.fromkeys(item.path for items in lists for item in items)
    facts, failed = {}, {}
    for path in paths:
        try:
            facts[path] = _probe_photo(probe_media(path))
        except MediaError as exc:
            failed[path] = exc
    if failed:
        _check_leaving_out(lists, facts, failed, strict)
    skipped = tuple(Skipped(p, _reason(e)) for p, e in failed.items())
    return (without(post, set(failed)) if failed else post), facts, skipped


def _probe_photo(facts):
    """A photo's facts once its pixels decode (the probe reads only its header); a video's as they are."""
    if facts.kind == "image":
        open_photo(facts.path, CHECK_SCALE)
    return facts


def _check_leaving_out(lists, facts, failed: dict[Path, MediaError], strict: bool) -> None:
    """Raise the first failure where a file may not be left out."""
    first = next(iter(failed.values()))
    if strict:
        raise first
    for items in lists:
        bad = [i.path for i in items if i.path in failed]
        good = [facts[i.path] for i in items if i.path not in failed]
        if not bad:
            continue
        # A carousel is photos only; a failed file beside a video, or alone, is no carousel photo.
        if not good or any(f.kind != "image" for f in good):
            raise failed[bad[0]]


def _reason(exc: MediaError) -> str:
    return exc.what


def without(post: Post, paths: set[Path]) -> Post:
    """``post`` without the media items at ``paths`` (in its own list, in each platform's
    override, and the translations' alt texts, which follow the post's media order)."""

    def keep(items):
        return tuple(i for i in items if i.path not in paths)

    kept = [n for n, item in enumerate(post.media) if item.path not in paths]
    translations = {
        lang: dataclasses.replace(tr, alt=tuple(tr.alt[n] for n in kept if n < len(tr.alt))) if tr.alt else tr
        for lang, tr in post.translations.items()
    }
    platforms = {
        pid: MappingProxyType({**over, "media": keep(over["media"])}) if "media" in over else over
        for pid, over in post.platforms.items()
    }
    return dataclasses.replace(
        post,
        media=keep(post.media),
        translations=MappingProxyType(translations),
        platforms=MappingProxyType(platforms),
    )


def skipped_warnings(skipped: tuple[Skipped, ...], before: Post, post: Post, platform_id: str) -> list[str]:
    """The warnings of one platform's bundles: each photo its media list left out."""
    had = before.for_platform(platform_id).media
    has = len(post.for_platform(platform_id).media)
    paths = {i.path for i in had}
    return [s.warning(has, len(had)) for s in skipped if s.path in paths]
