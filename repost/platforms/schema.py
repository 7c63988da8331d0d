"""The profile schema: what a profile file may hold, each figure with its source beside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from repost.platforms.model import (
    CONFIDENCES,
    COUNTERS,
    FITS,
    HASHTAG_STYLES,
    ID_RE,
    LANG_CODE_RE,
    REFRAMES,
    UPLOAD_PATHS,
)
from repost.post import schema as s

BIG = 10**13  # a sanity ceiling for byte and bit figures (10 TB)


def figure_spec(value_spec: s.Spec) -> s.Spec:
    """A sourced figure: its value checked by ``value_spec``, with source, checked date and
    confidence beside it, or one such figure per upload path where the paths differ."""
    today = dt.date.today()

    def checked(value, path, problems):
        d = s.date()(value, path, problems)
        if d is not None and d > today:
            problems.add(path, f"{d} is in the future")
        return d

    one = s.record(
        {
            "value": value_spec,
            "source": s.text(nonempty=True),
            "checked": checked,
            "confidence": s.text(choices=CONFIDENCES),
            "note": s.text(),
        },
        required=("value", "source", "checked", "confidence"),
    )

    def assumed_needs_note(value, path, problems):
        out = one(value, path, problems)
        if out and out.get("confidence") == "assumed" and not (out.get("note") or "").strip():
            problems.add(f"{path}.note", "an assumed figure must say why (note)")
        return out

    pair = s.record({p: assumed_needs_note for p in UPLOAD_PATHS}, required=UPLOAD_PATHS)

    def check(value, path, problems):
        if isinstance(value, dict) and set(value) & set(UPLOAD_PATHS):
            return {"by_path": pair(value, path, problems)}
        return assumed_needs_note(value, path, problems)

    return check


def _fig_map(specs: Mapping[str, s.Spec]) -> dict[str, s.Spec]:
    return {k: figure_spec(v) for k, v in specs.items()}


_NAMES = s.list_of(s.text(nonempty=True), min_len=1)
_ASPECTS = s.list_of(s.aspect(), min_len=1)
_PX = s.number(integer=True, minimum=16, maximum=16384)
_SECONDS = s.number(minimum=0, maximum=86400)

_MEDIA_COMMON = {
    "aspects": _ASPECTS,
    "preferred_aspect": s.aspect(),
    "aspect_tolerance": s.number(minimum=0, maximum=0.2),
    "width_px": _PX,
    "height_px": _PX,
    "max_side_px": _PX,
    "max_bytes": s.number(integer=True, minimum=1, maximum=BIG),
    "fit": s.text(choices=FITS),
}
_VIDEO = s.record(
    _fig_map(
        {
            **_MEDIA_COMMON,
            "containers": s.list_of(s.text(choices=("mp4", "mov", "webm")), min_len=1),
            "codecs": s.list_of(s.text(choices=("h264", "hevc", "vp8", "vp9", "av1")), min_len=1),
            "pixel_formats": _NAMES,
            "min_fps": s.number(minimum=1, maximum=240),
            "max_fps": s.number(minimum=1, maximum=240),
            "min_side_px": _PX,
            "max_width_px": _PX,
            "min_duration_s": _SECONDS,
            "max_duration_s": _SECONDS,
            "max_bitrate_bps": s.number(integer=True, minimum=1000, maximum=BIG),
            "audio_codecs": s.list_of(s.text(choices=("aac", "mp3", "opus")), min_len=1),
            "max_audio_channels": s.number(integer=True, minimum=1, maximum=16),
            "max_sample_rate_hz": s.number(integer=True, minimum=8000, maximum=192000),
            "audio_required": s.boolean(),
            "require_faststart": s.boolean(),
            "allow_edit_lists": s.boolean(),
            "reframe_to": s.text(choices=REFRAMES),
        }
    ),
    required=(
        "containers",
        "codecs",
        "aspects",
        "preferred_aspect",
        "aspect_tolerance",
        "width_px",
        "height_px",
    ),
)
_IMAGE = s.record(
    _fig_map(
        {
            **_MEDIA_COMMON,
            "formats": s.list_of(s.text(choices=("jpeg", "png", "webp", "heif")), min_len=1),
            "modes": _NAMES,
            "min_side_px": _PX,
            "min_count": s.number(integer=True, minimum=1, maximum=1000),
            "max_count": s.number(integer=True, minimum=1, maximum=1000),
            "uniform_aspect": s.boolean(),
        }
    ),
    required=(
        "formats",
        "modes",
        "min_count",
        "max_count",
        "aspects",
        "preferred_aspect",
        "aspect_tolerance",
        "width_px",
        "height_px",
    ),
)
_COVER = s.record(
    _fig_map({"custom_image": s.boolean(), "aspect": s.aspect(), "safe_aspect": s.aspect()}),
    required=("custom_image", "aspect"),
)
_LENGTH = s.number(integer=True, minimum=1, maximum=1_000_000)
_TEXT_FIELD = s.record(
    _fig_map(
        {
            "max_length": _LENGTH,
            "count": s.text(choices=COUNTERS),
            "fold_length": _LENGTH,
            "kinds": s.list_of(s.text(choices=("video", "photos")), min_len=1),
        }
    ),
    required=("max_length", "count"),
)
_TEXT = s.record(
    {
        "caption": _TEXT_FIELD,
        "title": _TEXT_FIELD,
        "hashtags": s.record(_fig_map({"max_count": s.number(integer=True, minimum=0, maximum=1000)})),
        "mentions": s.record(_fig_map({"max_count": s.number(integer=True, minimum=0, maximum=1000)})),
        "hashtag_style": figure_spec(s.text(choices=HASHTAG_STYLES)),
        "languages": figure_spec(s.list_of(s.text(pattern=LANG_CODE_RE), min_len=1)),
    },
    required=("hashtag_style",),
)
PROFILE_SCHEMA = s.record(
    {
        "schema": s.number(integer=True, minimum=1, maximum=1),
        "id": s.text(pattern=ID_RE),
        "name": s.text(nonempty=True),
        "aliases": s.list_of(s.text(nonempty=True)),
        "version": s.number(integer=True, minimum=1),
        "default_path": s.text(choices=UPLOAD_PATHS),
        "summary": s.text(nonempty=True),
        "kinds": s.list_of(s.text(choices=("video", "photos")), min_len=1),
        "video": _VIDEO,
        "image": _IMAGE,
        "cover": _COVER,
        "text": _TEXT,
    },
    required=("schema", "id", "name", "version", "default_path", "summary", "kinds", "cover", "text"),
)


# --- building a Profile from checked data ------------------------------------------------------
