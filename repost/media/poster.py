"""A small still of a video for the preview page: a sharp frame near its start, as a data: URL."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

from repost.errors import MediaError
from repost.media.covers import decode_frames
from repost.media.remembered import file_key, recall

# Keyframes near these times are scored (covers.py: sharp, not black, not mid-fade) and the
# best is kept: only keyframes are decoded, so a poster costs a few frames, not a stretch of video.
POSTER_TIMES_S = (0.5, 1.5, 3.0)
# Wide enough for the page's 284 px screens on a 2x display; ~15 KB as JPEG.
POSTER_WIDTH_PX = 480
POSTER_QUALITY = 78


def remembered_poster(path: Path, rotation: int = 0, times=POSTER_TIMES_S) -> str | None:
    """poster_data_url, kept between runs where a store is open (media/remembered.py, under the
    output folder): a backlog's page written again decodes no video it already has a still of."""
    try:
        key = ("poster", *file_key(Path(path)), rotation, list(times), POSTER_WIDTH_PX, POSTER_QUALITY)
    except OSError:
        return None
    return recall(key, lambda: poster_data_url(path, rotation, times), lambda v: v, _poster_from)


# What a poster is, read back from a store: the page puts it in an <img src>, so anything else
# (a link to a server, a script URL) planted in a store must never reach it.
_POSTER = re.compile(r"data:image/jpeg;base64,[A-Za-z0-9+/]+={0,2}")
_POSTER_MAX = 2_000_000  # a 480 px JPEG at quality 78 is ~15 KB


def _poster_from(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > _POSTER_MAX or not _POSTER.fullmatch(value):
        raise ValueError("not a JPEG data URL")
    return value


def poster_data_url(path: Path, rotation: int = 0, times=POSTER_TIMES_S) -> str | None:
    """``data:image/jpeg;base64,...`` of the best frame near ``times``, or None where the
    video cannot be decoded (the page then shows the video without a still)."""
    try:
        pictures = decode_frames(Path(path), tuple(times), rotation, best=True)
    except MediaError:
        return None
    picture = pictures[0].convert("RGB")
    if picture.width > POSTER_WIDTH_PX:
        height = max(1, round(picture.height * POSTER_WIDTH_PX / picture.width))
        picture = picture.resize((POSTER_WIDTH_PX, height))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=POSTER_QUALITY, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
