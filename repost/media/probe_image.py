"""Exact facts about an image (Pillow; HEIC through pillow-heif), for the probe."""

from __future__ import annotations

import dataclasses
import functools
import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repost.errors import MediaError

# Pillow's bomb guard warns above MAX_IMAGE_PIXELS and refuses above twice that. Phones reach
# 200 MP (16320x12240, Samsung ISOCELL HP sensors); we allow that, and treat the warning as a
# refusal too, so nothing past ~210 MP (about 630 MB decoded as RGB) is ever decoded.
MAX_PIXELS = 210_000_000

_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "photoshop", "comment", "iptc")


@dataclass(frozen=True)
class ImageFacts:
    """An image file, as Pillow reads it."""

    path: Path
    bytes: int
    format: str  # "jpeg", "png", "webp", "heif", "gif", "mpo", "tiff", "bmp", ...
    mode: str  # Pillow mode: "RGB", "RGBA", "CMYK", "I;16", "P", "L", ...
    width: int  # as displayed: EXIF orientation applied (5-8 swap width and height)
    height: int
    orientation: int  # EXIF orientation 1-8 (1 when absent)
    icc: bool
    icc_name: str | None  # "Display P3", "sRGB IEC61966-2.1", ...
    frame_count: int  # >1 for animated GIF/WebP/APNG
    has_alpha: bool
    gps: bool  # EXIF holds a GPS IFD: a location the creator may not mean to publish
    kind: str = "image"
    metadata: bool = False  # any EXIF, XMP, IPTC or comment (camera serials, dates, software)

    @property
    def aspect(self) -> float:
        return self.width / self.height if self.height else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: path as a string."""
        data = dataclasses.asdict(self)
        data["path"] = str(self.path)
        return data


@functools.cache
def register_heif() -> None:
    # Registered on first need, not at import: pillow-heif loads libheif, which costs time and
    # is optional (without it HEIC files fail with a hint instead).
    try:
        import pillow_heif
    except ImportError:
        return
    pillow_heif.register_heif_opener()


def limit_pixels() -> None:
    """Set Pillow's decompression-bomb limit (called before every open; cheap)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def probe_image(path: Path, size: int) -> ImageFacts:
    from PIL import Image

    register_heif()
    limit_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
        with im:
            exif = im.getexif()
            orientation = exif.get(0x0112, 1)
            if not isinstance(orientation, int) or not 1 <= orientation <= 8:
                orientation = 1  # absent or garbage: show as stored, as browsers do
            width, height = im.size
            if orientation >= 5:  # 5-8 turn the image a quarter: displayed sides swap
                width, height = height, width
            icc = im.info.get("icc_profile") or None
            return ImageFacts(
                path=path,
                bytes=size,
                format=(im.format or "unknown").lower(),
                mode=im.mode,
                width=width,
                height=height,
                orientation=orientation,
                icc=icc is not None,
                icc_name=icc_name(icc) if icc else None,
                frame_count=int(getattr(im, "n_frames", 1)),
                has_alpha=im.mode in _ALPHA_MODES or "transparency" in im.info,
                gps=0x8825 in exif,
                metadata=bool(len(exif) or any(k in im.info for k in _METADATA_KEYS)),
            )
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error) as exc:
        raise MediaError(
            f"cannot read image ({exc})",
            where=path,
            hint="the image is damaged or in a format Pillow cannot read (HEIC needs pillow-heif)",
        ) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise bomb_error(path) from exc


def bomb_error(path: Path) -> MediaError:
    """The one error for an image over MAX_PIXELS (probing and decoding say the same)."""
    return MediaError(
        "image too large to decode safely (a decompression bomb?)",
        where=path,
        hint=f"repost decodes at most {MAX_PIXELS:,} pixels; shrink the image first",
    )


def icc_name(icc: bytes) -> str | None:
    from PIL import ImageCms

    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        name = ImageCms.getProfileDescription(profile).strip()
    except (OSError, ValueError, TypeError, ImageCms.PyCMSError):
        return None  # a broken profile is reported as present but unnamed
    return name or None
