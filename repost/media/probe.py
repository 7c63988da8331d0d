"""Exact facts about every media file (video with PyAV, images with Pillow), probed once per run."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from repost.errors import MediaError
from repost.media.probe_image import ImageFacts, probe_image
from repost.media.probe_video import NOT_MEDIA_HINT, VideoFacts, probe_video

# ISO-BMFF major brands of still images (HEIF/AVIF, ISO/IEC 23008-12); videos use isom, mp42...
IMAGE_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
)


MediaFacts = VideoFacts | ImageFacts


_cache: dict[tuple[str, int, int], MediaFacts] = {}
_cache_lock = threading.Lock()


def clear_probe_cache() -> None:
    """Forget every probe result (tests, or a long-lived process watching files change)."""
    with _cache_lock:
        _cache.clear()


def probe_media(path: str | os.PathLike[str]) -> MediaFacts:
    """Facts about the video or image at ``path``, decided from its bytes, not its name.

    Results are cached per (resolved path, size, mtime), so a file probed for several
    platforms is read once, and a file rewritten in between is probed again.
    """
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
    except FileNotFoundError:
        raise MediaError("file not found", where=path, hint="check the path") from None
    except OSError as exc:
        raise MediaError(f"cannot read file: {exc.strerror}", where=path) from exc
    if not resolved.is_file():
        raise MediaError("not a file", where=path, hint="give a video or image file")
    key = (str(resolved), stat.st_size, stat.st_mtime_ns)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    facts = _probe_uncached(resolved, stat.st_size)
    with _cache_lock:
        return _cache.setdefault(key, facts)  # a racing thread's result wins; both are equal


def _probe_uncached(path: Path, size: int) -> MediaFacts:
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError as exc:
        raise MediaError(f"cannot read file: {exc.strerror}", where=path) from exc
    if not head:
        raise MediaError("empty file", where=path, hint=NOT_MEDIA_HINT)
    if _looks_like_image(head):
        return probe_image(path, size)
    return probe_video(path, size, head)


def _looks_like_image(head: bytes) -> bool:
    return (
        head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM"))
        or head.startswith((b"II*\x00", b"MM\x00*"))  # TIFF (and camera raw built on it)
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (head[4:8] == b"ftyp" and head[8:12] in IMAGE_BRANDS)
    )
