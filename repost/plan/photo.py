"""Fitting one photo to a frame (pure): the aspect, crop box, canvas and background, as data."""

from __future__ import annotations

import math

from repost.errors import DoesNotFitError
from repost.ops import PhotoOp
from repost.plan.size import aspect_terms, even, frame_scale, own_scale, recommended_frame
from repost.platforms.model import aspect_name, aspect_value
from repost.platforms.rules import aspect_matches, matching_aspect

# How far a frame rounded to even sides (covers, slideshow frames) may miss its aspect before it
# is sized as a photo is instead: every profile's aspect_tolerance is 1%, validate allows covers 2%.
EVEN_TOLERANCE = 0.01


def frame_for(aspect: str, rules) -> tuple[int, int]:
    """The profile's recommended frame for ``aspect`` in even pixels (plan/size.py): the box
    turned to the frame's orientation, filled on one side, within the maximums."""
    w, h = recommended_frame(aspect_value(aspect), rules)
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
    tolerance: float | None = None,
    min_side: int | None = None,
) -> PhotoOp:
    """Fit a picture of ``size`` into ``frame`` (the profile size for ``aspect``) by ``fit``.

    Without ``upscale`` the size policy holds (plan/size.py): the frame shrinks to what the
    picture's own pixels fill, never enlarged past that except to reach ``min_side``;
    slideshows upscale, since a video has one fixed size. ``tolerance`` is the profile's, for
    a photo that validate checks against it: the shrunk frame is then whole pixels within it
    (``whole_size``). Without it (covers, slideshow frames) the sides are rounded even, as for
    video. Raises DoesNotFitError for a picture too thin (or small) to make anything of at
    ``aspect``.
    """
    sw, sh = size
    how, box = _placing(size, aspect, fit, tolerance)
    own = _own(box, frame, how)
    k = 1.0 if upscale else frame_scale(own, frame, None, min_side)
    canvas = _canvas(size, aspect, frame, k, tolerance, grow=how == "pad")
    if how != "pad":
        return PhotoOp(canvas, box, (0, 0, *canvas), source_size=size, follow_faces=fit == "smart")
    # pad and blur: the whole picture inside the frame, the rest filled.
    cw, ch = canvas
    scale = min(cw / sw, ch / sh)
    if not upscale and cw > frame[0] * k + 1 and ch > frame[1] * k + 1:
        # A canvas rounded up to a whole multiple of the aspect (whole_size's grow) is more
        # background, not a reason to enlarge the picture past the policy's scale.
        scale = min(scale, max(1.0, k / own))
    pw, ph = min(cw, round(sw * scale)), min(ch, round(sh * scale))
    if min(pw, ph) < 1:  # the picture, scaled into the frame, rounds to no row (or column) at all
        raise _does_not_fit(size, aspect)
    place = ((cw - pw) // 2, (ch - ph) // 2, pw, ph)
    background = "blur" if fit == "blur" else "white"
    return PhotoOp((cw, ch), (0, 0, sw, sh), place, background, source_size=size)


def _placing(size, aspect: str, fit: str, tolerance) -> tuple[str, tuple[int, int, int, int]]:
    """How the picture fills the frame ("none": already its shape, "crop", "pad") and the
    part of it kept."""
    sw, sh = size
    if matching_aspect(sw, sh, [aspect], tolerance or 0.0):
        return "none", (0, 0, sw, sh)
    if fit in ("crop", "smart"):  # smart: media/ slides the box over the faces it finds
        return "crop", _centre_crop(size, aspect)
    return "pad", (0, 0, sw, sh)


def source_fill(size, aspect: str, frame, fit: str, tolerance=None) -> float:
    """How much of ``frame`` the picture's own pixels fill at ``fit`` (plan/size.own_scale):
    under 1 by more than rounding, it is below the recommended size and will look soft."""
    how, box = _placing(size, aspect, fit, tolerance)
    return _own(box, frame, how)


def _own(box, frame, how: str) -> float:
    # A crop box is already the aspect's shape, and its width is what photos have always been
    # scaled by; the rounded height could move the canvas a pixel.
    return own_scale((box[2] - box[0], box[3] - box[1]), frame, "pad" if how == "pad" else "none")


def whole_size(
    aspect: str, width: float, height: float, tolerance: float, *, grow: bool = False
) -> tuple[int, int] | None:
    """The pixel size of a ``width`` x ``height`` frame at ``aspect`` that validate takes.

    The sides are rounded even where that stays within ``tolerance``, so photos come out as
    they always have (and bundles already made stay up to date). Even sides are for 4:2:0
    video, though, and a JPEG takes odd ones: where even rounding puts a small photo off its
    aspect (75x100 at 3:4 became 76x100, 1.3% off), the sides are rounded to whole pixels;
    where that misses too (a picture a few dozen pixels across), an exact multiple of the
    aspect's terms is taken: the largest within the frame (9x12 for 10.5x14 at 3:4), so a
    picture that fills it is not enlarged to reach it, or with ``grow`` (a padded picture,
    which a larger canvas only gives more background) the smallest holding it (12x16), so the
    picture is not shrunk either. None where not even the aspect's own terms fit (under 3x4
    at 3:4) and ``grow`` is off.
    """
    for w, h in ((even(width), even(height)), (round(width), round(height))):
        if w >= 1 and h >= 1 and aspect_matches(w, h, aspect, tolerance):
            return w, h
    a, b = aspect_terms(aspect)
    if grow:
        n = max(1, math.ceil(max(width / a, height / b) - 1e-6))
        return a * n, b * n
    n = math.floor(min(width / a, height / b) + 1e-6)  # a frame times k lands a hair under a multiple
    return (a * n, b * n) if n >= 1 else None


def _canvas(size, aspect: str, frame: tuple[int, int], k: float, tolerance, *, grow=False) -> tuple[int, int]:
    """The frame scaled by ``k`` in pixels: even without a tolerance, else ``whole_size``."""
    fw, fh = frame
    if tolerance is None:
        w, h = even(fw * k), even(fh * k)
        if aspect_matches(w, h, aspect, EVEN_TOLERANCE):
            return w, h
        # A picture a few dozen pixels across: even sides put it off its shape (16x16 padded
        # to 3:4 came out 16x22, 3% off), so it is sized as a photo is (a cover is a JPEG too).
        return whole_size(aspect, fw * k, fh * k, EVEN_TOLERANCE, grow=grow) or (w, h)
    canvas = whole_size(aspect, fw * k, fh * k, tolerance, grow=grow)
    if canvas is None:
        raise _does_not_fit(size, aspect)
    return canvas


def _does_not_fit(size: tuple[int, int], aspect: str) -> DoesNotFitError:
    """The reason in words, for callers to put the file name in front of: "5000x1 is too thin
    to fit 3:4" for a strip (at least twice as elongated as the aspect: wording only), "10x14 is
    too small to fit 9:16" for a picture of about the right shape but too few pixels."""
    sw, sh = size
    stretch = abs(math.log((sw / sh) / aspect_value(aspect)))
    word = "thin" if stretch >= math.log(2) else "small"
    return DoesNotFitError(None, [f"{sw}x{sh} is too {word} to fit {aspect}"])


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
    if fit == "smart":
        return f"{name}: cropped {have} to {aspect} around the faces (the centre where none), {sizes}"
    how = "a blurred copy of itself" if op.background == "blur" else "white"
    return f"{name}: padded {have} to {aspect} with {how}, {sizes}"


def _centre_crop(size: tuple[int, int], aspect: str) -> tuple[int, int, int, int]:
    """The largest box of ``aspect`` around the centre; DoesNotFitError where it would be
    smaller than the aspect's own terms (under 9x16 at 9:16: 1x2 of a 1x5000 strip), which
    could only be stretched into a picture, never cropped to one."""
    sw, sh = size
    target = aspect_value(aspect)
    a, b = aspect_terms(aspect)
    kept = (sh * target, sh) if sw / sh > target else (sw, sw / target)
    if kept[0] < a - 1e-6 or kept[1] < b - 1e-6:
        raise _does_not_fit(size, aspect)
    if sw / sh > target:  # too wide: cut the sides
        w = round(sh * target)
        left = (sw - w) // 2
        return (left, 0, left + w, sh)
    h = round(sw / target)
    top = (sh - h) // 2
    return (0, top, sw, top + h)
