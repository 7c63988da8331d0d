"""Fitting one photo to a frame (pure): the aspect, crop box, canvas and background, as data."""

from __future__ import annotations

import math
from dataclasses import dataclass

from repost.plan.rendition import even
from repost.profiles import aspect_name, aspect_value
from repost.rules import matching_aspect

# JPEG quality is stepped down from the first to the last until the file fits max_bytes.
# 92 keeps photos visually lossless at 1080 px; below 60 blocking shows, so we shrink instead.
JPEG_QUALITIES = (92, 88, 84, 80, 75, 70, 65, 60)


@dataclass(frozen=True)
class PhotoOp:
    """How one source photo becomes one bundle picture; media/images.py carries it out.

    Coordinates are in the displayed picture (EXIF orientation applied). ``box`` is the part of
    the picture kept; it is scaled into ``place`` (left, top, width, height) on a ``canvas``
    (width, height); the rest of the canvas is ``background`` ("blur", "white", "black").
    """

    canvas: tuple[int, int]
    box: tuple[int, int, int, int]
    place: tuple[int, int, int, int]
    background: str = "white"
    alpha_fill: str = "white"  # transparent pixels are flattened onto white or a blurred fill
    qualities: tuple[int, ...] = JPEG_QUALITIES
    max_bytes: int | None = None
    keep_metadata: bool = False
    source_size: tuple[int, int] | None = None  # the displayed size the box refers to

    @property
    def scale(self) -> float:
        """How much the kept part shrinks (1 or less when not enlarged)."""
        return max(
            self.place[2] / max(1, self.box[2] - self.box[0]),
            self.place[3] / max(1, self.box[3] - self.box[1]),
        )


def size_for_aspect(aspect: str, width_px: int, height_px: int, max_side_px: int | None) -> tuple[int, int]:
    """The profile's frame for another accepted aspect: the same short side, even sides."""
    ratio = aspect_value(aspect)
    short = min(width_px, height_px)
    w, h = (short, short / ratio) if ratio <= 1 else (short * ratio, short)
    if max_side_px and max(w, h) > max_side_px:
        k = max_side_px / max(w, h)
        w, h = w * k, h * k
    return even(w), even(h)


def choose_aspect(width: int, height: int, rules) -> str:
    """The accepted aspect the photo already has, else the nearest one (the preferred on a tie)."""
    found = matching_aspect(width, height, rules.aspects, rules.aspect_tolerance)
    if found:
        return found
    have = math.log(width / height)
    ordered = [rules.preferred_aspect, *[a for a in rules.aspects if a != rules.preferred_aspect]]
    return min(ordered, key=lambda a: abs(math.log(aspect_value(a)) - have))


def plan_photo_op(
    size: tuple[int, int],
    aspect: str,
    frame: tuple[int, int],
    fit: str,
    *,
    upscale: bool = False,
    tolerance: float = 0.0,
) -> PhotoOp:
    """Fit a picture of ``size`` into ``frame`` (the profile size for ``aspect``) by ``fit``.

    Without ``upscale`` the frame shrinks to the picture's own resolution (never enlarged past
    what the picture holds); slideshows upscale, since a video has one fixed size.
    """
    sw, sh = size
    fw, fh = frame
    if matching_aspect(sw, sh, [aspect], tolerance):
        k = 1.0 if upscale else min(1.0, sw / fw)
        canvas = (even(fw * k), even(fh * k))
        return PhotoOp(canvas, (0, 0, sw, sh), (0, 0, *canvas), source_size=size)
    target = aspect_value(aspect)
    if fit == "crop":
        box = _centre_crop(sw, sh, target)
        bw = box[2] - box[0]
        k = 1.0 if upscale else min(1.0, bw / fw)
        canvas = (even(fw * k), even(fh * k))
        return PhotoOp(canvas, box, (0, 0, *canvas), source_size=size)
    # pad and blur: the whole picture inside the frame, the rest filled.
    k = 1.0 if upscale else min(1.0, max(sw / fw, sh / fh))
    cw, ch = even(fw * k), even(fh * k)
    scale = min(cw / sw, ch / sh)
    pw, ph = min(cw, round(sw * scale)), min(ch, round(sh * scale))
    place = ((cw - pw) // 2, (ch - ph) // 2, pw, ph)
    background = "blur" if fit == "blur" else "white"
    return PhotoOp((cw, ch), (0, 0, sw, sh), place, background, source_size=size)


def describe_fit(name: str, size: tuple[int, int], aspect: str, op: PhotoOp, fit: str) -> str:
    """The change in words: "01.jpg: cropped 4:3 to 3:4 around the centre, 4032x3024 to 1080x1440"."""
    sw, sh = size
    have = aspect_name(sw, sh)
    cw, ch = op.canvas
    sizes = f"{sw}x{sh} to {cw}x{ch}"
    if op.box == (0, 0, sw, sh) and op.place == (0, 0, cw, ch):
        return f"{name}: kept {aspect}, {sizes}" if (sw, sh) != (cw, ch) else f"{name}: kept {aspect}"
    if fit == "crop":
        return f"{name}: cropped {have} to {aspect} around the centre, {sizes}"
    how = "a blurred copy of itself" if op.background == "blur" else "white"
    return f"{name}: padded {have} to {aspect} with {how}, {sizes}"


def _centre_crop(sw: int, sh: int, target: float) -> tuple[int, int, int, int]:
    if sw / sh > target:  # too wide: cut the sides
        w = round(sh * target)
        left = (sw - w) // 2
        return (left, 0, left + w, sh)
    h = round(sw / target)
    top = (sh - h) // 2
    return (0, top, sw, top + h)
