"""The Profile type: one platform's rules as frozen data, and the names its fields take."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

from repost.post.model import FITS as POST_FITS

UPLOAD_PATHS = ("app", "api")
CONFIDENCES = ("official", "official_indirect", "third_party", "assumed")
COUNTERS = ("utf16", "chars", "graphemes", "utf8_bytes", "rednote_weighted")
# A profile's default fit: post.yaml's fits but smart, which reads the media (faces, motion) and
# so is asked for by a post or --fit, never assumed for a platform.
FITS = tuple(f for f in POST_FITS if f != "smart")
# How a video whose shape the platform does not accept is reframed, where it accepts several:
# to the accepted aspect nearest the source's (least picture lost or padded), or always to
# preferred_aspect (the platform's native shape, which other platforms' renditions may share).
REFRAMES = ("nearest", "preferred")
HASHTAG_STYLES = ("append", "inline", "rednote_topic")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# A language code as post.yaml and text.languages write one: zh, en, zh-Hans, pt-BR.
LANG_CODE_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class Figure:
    """One sourced figure: its value and where it came from."""

    value: Any
    source: str
    checked: dt.date
    confidence: str
    note: str | None = None


@dataclass(frozen=True)
class VideoRules:
    containers: tuple[str, ...]
    codecs: tuple[str, ...]
    aspects: tuple[str, ...]
    preferred_aspect: str
    aspect_tolerance: float
    width_px: int
    height_px: int
    pixel_formats: tuple[str, ...] | None = None
    min_fps: float | None = None
    max_fps: float | None = None
    min_side_px: int | None = None
    max_side_px: int | None = None
    max_width_px: int | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    max_bytes: int | None = None
    max_bitrate_bps: int | None = None
    audio_codecs: tuple[str, ...] | None = None
    max_audio_channels: int | None = None
    max_sample_rate_hz: int | None = None
    audio_required: bool = False
    require_faststart: bool = False
    allow_edit_lists: bool = True
    fit: str = "blur"
    reframe_to: str = "nearest"  # REFRAMES


@dataclass(frozen=True)
class ImageRules:
    formats: tuple[str, ...]
    modes: tuple[str, ...]
    min_count: int
    max_count: int
    aspects: tuple[str, ...]
    preferred_aspect: str
    aspect_tolerance: float
    width_px: int
    height_px: int
    min_side_px: int | None = None
    max_side_px: int | None = None
    max_bytes: int | None = None
    fit: str = "blur"
    # The platform crops every carousel image to the first one's aspect (Instagram, I2): give
    # all images of a post one aspect.
    uniform_aspect: bool = False


@dataclass(frozen=True)
class CoverRules:
    custom_image: bool
    aspect: str
    # A smaller crop the platform shows elsewhere (Instagram's 3:4 profile grid, I8): cover text
    # and the picture's centre are kept inside it.
    safe_aspect: str | None = None


@dataclass(frozen=True)
class TextField:
    max_length: int
    count: str
    fold_length: int | None = None
    kinds: tuple[str, ...] | None = None  # post kinds the field applies to (None: all)

    def applies_to(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds


@dataclass(frozen=True)
class TextRules:
    hashtag_style: str
    caption: TextField | None = None
    title: TextField | None = None
    max_hashtags: int | None = None
    max_mentions: int | None = None
    languages: tuple[str, ...] | None = None  # preferred, best first (text.languages)


@dataclass(frozen=True)
class Profile:
    """One platform's rules on one upload path (``app`` by hand, or ``api``)."""

    id: str
    name: str
    version: int
    upload_path: str
    default_path: str
    summary: str
    kinds: tuple[str, ...]
    cover: CoverRules
    text: TextRules
    file: Path
    digest: str
    video: VideoRules | None = None
    image: ImageRules | None = None
    # "video.max_duration_s" -> the figure in effect on this path
    figures: Mapping[str, Figure] = field(default_factory=lambda: MappingProxyType({}))
    # "video.max_duration_s" -> {"app": Figure, "api": Figure}, where the paths differ
    by_path: Mapping[str, Mapping[str, Figure]] = field(default_factory=lambda: MappingProxyType({}))
    aliases: tuple[str, ...] = ()  # other names people use for the platform (platform_names)


def aspect_value(aspect: str) -> float:
    """'9:16' -> 0.5625 (width over height)."""
    w, h = aspect.split(":")
    return int(w) / int(h)


def aspect_name(width: int, height: int) -> str:
    """1080x1920 -> '9:16'; a size that reduces to large terms -> '1.78:1'."""
    f = Fraction(width, height)
    if f.numerator <= 64 and f.denominator <= 64:
        return f"{f.numerator}:{f.denominator}"
    return f"{width / height:.2f}:1"
