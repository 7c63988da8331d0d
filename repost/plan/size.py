"""The size policy (pure), one rule for video, photos, slideshows and covers on every platform.

A frame is made at the target aspect inside the profile's recommended size (``width_px`` x
``height_px``, turned to the frame's orientation, within ``max_side_px`` and ``max_width_px``).
It is made no larger than the source's own pixels fill, except as far as the profile's minimum
(``min_side_px``) demands. A source that fills less than the recommended frame is said to look
soft: a warning in the manifest, which ``repost validate`` repeats from the output's own size.
"""

from __future__ import annotations

import math
from fractions import Fraction

from repost.platforms.model import aspect_value
from repost.platforms.rules import Finding, aspect_matches, matching_aspect

# Even rounding moves a side by up to a pixel either way: a frame 2 px short of the recommended
# size is really below it, one a pixel short is the same frame.
SOFT_MARGIN_PX = 2


def even(x: float) -> int:
    """The nearest even number of pixels, at least 2 (4:2:0 chroma halves both sides)."""
    return max(2, round(x / 2) * 2)


def aspect_terms(aspect: str) -> tuple[int, int]:
    """'9:16' -> (9, 16); '6:8' -> (3, 4): the smallest whole size of the aspect."""
    w, h = aspect.split(":")
    f = Fraction(int(w), int(h))
    return f.numerator, f.denominator


def even_frame(
    aspect: str, width: float, height: float, tolerance: float, *, grow: bool = True
) -> tuple[int, int]:
    """A ``width`` x ``height`` video frame in even pixels within ``tolerance`` of ``aspect``.

    Each side rounded even is enough from a few hundred pixels up; below that (81x144, a 9:16
    crop of a 176x144 clip, rounds to 82x144, 1.2% off) one side is rounded and the other
    follows from it (82x146). Where none of those fits (a 16x16 clip padded to 9:16), an even
    multiple of the aspect's terms is taken: with ``grow`` (a padded picture, which a larger
    frame only gives more background) the smallest holding the frame (18x32), else the largest
    within it, so a cropped picture is not enlarged to reach it (unless none is that small).
    """
    ratio = aspect_value(aspect)
    w, h = even(width), even(height)
    for cw, ch in ((w, h), (w, even(w / ratio)), (even(h * ratio), h)):
        if aspect_matches(cw, ch, aspect, tolerance):
            return cw, ch
    a, b = aspect_terms(aspect)
    if a % 2 or b % 2:
        a, b = 2 * a, 2 * b
    n = math.floor(min(width / a, height / b) + 1e-6)
    if grow or n < 1:
        n = max(1, math.ceil(max(width / a, height / b) - 1e-6))
    return a * n, b * n


def recommended_frame(aspect: float, rules) -> tuple[float, float]:
    """The profile's recommended frame at ``aspect`` (width over height), not yet rounded.

    ``rules`` is a profile's video or image section. Its box (1080x1920) is turned to match the
    frame (1920x1080 for a landscape frame a profile accepts), so a 16:9 frame is not squeezed;
    the frame at ``aspect`` fills the box on one side and is kept within the maximums.
    """
    w, h = rules.width_px, rules.height_px
    if (aspect > 1) != (w > h) and w != h:
        w, h = h, w
    fw, fh = (h * aspect, float(h)) if w / h > aspect else (float(w), w / aspect)
    k = min(1.0, _max_scale(fw, fh, rules))
    return fw * k, fh * k


def own_scale(size: tuple[float, float], frame: tuple[float, float], how: str) -> float:
    """How large the source's own pixels make ``frame``, as a fraction of it.

    ``how``: "none" for a picture already of the frame's shape (its width fills it), "crop" for a
    picture cut to the shape (the kept part fills it), "pad" (or "blur") for a whole picture
    inside the frame, touching two of its sides.
    """
    rw, rh = size[0] / frame[0], size[1] / frame[1]
    if how == "none":
        return rw
    return min(rw, rh) if how == "crop" else max(rw, rh)


def frame_scale(own: float, frame: tuple[float, float], rules, min_side: int | None = None) -> float:
    """The scale of the recommended ``frame`` to make: the source's own (``own``) and never above
    1 (no enlarging), raised as far as the minimum side (``min_side``, else the rules') demands,
    within the maximum side and width (which win: a frame over them is refused on upload)."""
    k = min(1.0, own)
    least = min_side if min_side is not None else getattr(rules, "min_side_px", None)
    if least and min(frame) * k < least:
        k = least / min(frame)
    return min(k, _max_scale(*frame, rules))


def _max_scale(w: float, h: float, rules) -> float:
    limits = [getattr(rules, "max_side_px", None), getattr(rules, "max_width_px", None)]
    k = float("inf")
    if limits[0]:
        k = min(k, limits[0] / max(w, h))
    if limits[1]:
        k = min(k, limits[1] / w)
    return k


def is_soft(own: float, frame: tuple[float, float]) -> bool:
    """Whether a source filling ``own`` of the recommended ``frame`` falls short of it."""
    long_side = max(frame)
    return own * long_side <= long_side - SOFT_MARGIN_PX


def soft_warning(size: tuple[int, int], frame: tuple[float, float], name: str | None = None) -> str:
    """The manifest's warning, in words: "source 176x144 is below the recommended 1080x1920;
    it will look soft" (``name`` in front for one photo of several)."""
    text = (
        f"source {size[0]}x{size[1]} is below the recommended {round(frame[0])}x{round(frame[1])};"
        " it will look soft"
    )
    return f"{name}: {text}" if name else text


def check_file_size(name: str, facts, profile, kind: str | None = None) -> list[Finding]:
    """``check_size`` for a probed bundle file: a video or photo by its own kind's rules; a
    cover (``kind``: the bundle's, "video" or "photos") at the cover aspect, by the rules of
    the post it stands for, as it was planned."""
    if kind is None:
        rules, aspect = (profile.video if facts.kind == "video" else profile.image), None
    else:
        rules, aspect = (profile.video if kind == "video" else profile.image), profile.cover.aspect
    rules = rules or profile.video or profile.image
    if rules is None or not getattr(facts, "width", None) or not getattr(facts, "height", None):
        return []
    return check_size(name, facts.width, facts.height, rules, aspect)


def check_size(name: str, width: int, height: int, rules, aspect: str | None = None) -> list[Finding]:
    """A warning (never an error) where an output file is below the recommended size at its
    aspect: ``aspect`` (a cover's), else the accepted aspect it has, else its own shape."""
    shape = aspect or matching_aspect(width, height, rules.aspects, rules.aspect_tolerance)
    frame = recommended_frame(aspect_value(shape) if shape else width / height, rules)
    own = max(width / frame[0], height / frame[1])
    if not is_soft(own, frame):
        return []
    want = f"{round(frame[0])}x{round(frame[1])}"
    return [
        Finding(
            name,
            "size",
            want,
            f"{width}x{height}",
            f"{name}: {width}x{height} is below the recommended {want}; it will look soft",
            "warning",
        )
    ]
