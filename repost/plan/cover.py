"""Planning a bundle's cover (pure): which picture, fitted to the platform's cover shape, and its text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from repost.errors import DoesNotFitError
from repost.media.fonts import choose_font
from repost.plan.photo import frame_for, plan_photo_op
from repost.plan.step import Step

# Where an automatic cover is looked for: ten evenly spaced frames between 5% and 80% of the
# video, past fade-ins and black openings and before end cards; media/covers.py scores them.
AUTO_FRACTIONS = (0.05, 0.13, 0.22, 0.3, 0.38, 0.47, 0.55, 0.63, 0.72, 0.8)


@dataclass(frozen=True)
class CoverOp:
    """How cover.jpg is made: from an image, one frame, or the best of ``times`` (``auto``)."""

    kind: str  # "image" | "frame" | "auto"
    frame: tuple[int, int]  # the cover's size at the platform's cover aspect
    aspect: str
    fit: str
    times: tuple[float, ...] = ()  # "frame": one time; "auto": the candidates
    rotation: int = 0  # a video's display rotation (counter-clockwise degrees)
    safe_aspect: str | None = None  # text and the centre stay inside this central crop
    text: str | None = None
    font: Path | None = None  # a font with a glyph for every character of ``text``
    # The size policy's minimum side (plan/size.py): the cover is enlarged as far as the rules
    # of the post it stands for demand (a RedNote video's 720 px), no further.
    min_side_px: int | None = None


def _base_op(post, rules, profile, options, warnings, kind, times=(), rotation=0, size=None) -> CoverOp:
    """The cover at ``profile``'s cover aspect, sized by ``rules`` (the video's for a video or a
    slideshow, the photos' for a photo post): their recommended frame, and their minimum side.
    ``size``: the picture the cover is made from, as displayed, where the plan knows it."""
    aspect = profile.cover.aspect
    frame, least = frame_for(aspect, rules), getattr(rules, "min_side_px", None)
    fit = cover_fit(size, aspect, frame, (options or {}).get("fit"), rules.fit, least)
    text, font = _cover_text(post.cover_text, warnings)
    return CoverOp(
        kind, frame, aspect, fit, tuple(times), rotation, profile.cover.safe_aspect, text, font, least,
    )  # fmt: skip


def cover_fit(
    size: tuple[int, int] | None, aspect: str, frame: tuple[int, int], fit, default: str, min_side=None
) -> str:
    """The fit a cover is planned with: the one asked for where it shapes the cover, else the
    profile's ``default``.

    media/covers.py fits the picture with ``plan_photo_op``; where that comes out the same for
    the fit asked for as for the default (a picture already of the cover's shape is only
    scaled), the fit changes nothing, and the plan, with it the bundle's fingerprint, must not
    change either: a changed option redoes just what it touches. The default rather than
    "none" keeps the plans of bundles made before. With ``size`` unknown (a cover image file is
    not probed at planning time), or a picture too thin to fit at all, the fit asked for is kept.
    """
    fit = fit or default
    if size is None or fit == default:
        return fit
    try:
        ops = [fit_cover(size, aspect, frame, f, min_side) for f in (fit, default)]
        same = ops[0] == ops[1]
    except DoesNotFitError:  # said when the cover is made (or planned, for a photo post)
        return fit
    return default if same else fit


def fit_cover(size: tuple[int, int], aspect: str, frame: tuple[int, int], fit: str, min_side=None):
    """The PhotoOp making a cover of a picture of ``size`` (media/covers.py makes this call)."""
    return plan_photo_op(size, aspect, frame, fit, min_side=min_side)


def _cover_text(text: str | None, warnings) -> tuple[str | None, Path | None]:
    """The cover text as it can be drawn: characters no installed font has are left out (a
    warning says which), never drawn as empty boxes."""
    text = (text or "").strip()
    if not text:
        return None, None
    choice = choose_font(text)
    if choice.path is None:
        warnings.append(
            "cover_text not drawn: no usable font found (install fonts-noto-cjk or set REPOST_FONT)"
        )
        return None, None
    if choice.missing:
        lacking = "".join(choice.missing)
        text = "".join(c for c in text if c not in choice.missing).strip()
        warnings.append(
            f"cover_text: no installed font has {lacking!r}; drawn without them"
            " (install fonts-noto-cjk or set REPOST_FONT)"
            if text
            else f"cover_text not drawn: no installed font has {lacking!r} (install fonts-noto-cjk)"
        )
    return (text or None), (choice.path if text else None)


def plan_cover(post, profile, facts, steps, warnings, options=None) -> None:
    """The cover of a video post: ``cover:`` a path or ``{time}``, else the best of a few frames."""
    if not profile.cover.custom_image:
        if post.cover_text:
            warnings.append(f"{profile.name} takes no cover image here; cover_text not used")
        return
    cover = post.cover
    if cover is not None and cover.path is not None:
        steps.append(
            Step(
                "cover",
                cover.path,
                "cover.jpg",
                "cover",
                op=_base_op(post, profile.video, profile, options, warnings, "image"),
            )
        )
        return
    # The frame as decoded and turned upright (media/covers.py): the probed size, rotation applied.
    size = (facts.width, facts.height)
    if cover is not None and cover.time_s is not None:
        at = cover.time_s
        if at >= facts.duration_s:
            warnings.append(
                f"cover time {at:g} s is past the end ({facts.duration_s:.2f} s); took the last frame"
            )
            at = max(facts.duration_s - 0.05, 0.0)
        op = _base_op(
            post, profile.video, profile, options, warnings, "frame", (round(at, 3),), facts.rotation, size
        )
    else:
        times = sorted({round(facts.duration_s * k, 3) for k in AUTO_FRACTIONS})
        op = _base_op(post, profile.video, profile, options, warnings, "auto", times, facts.rotation, size)
    steps.append(Step("cover", facts.path, "cover.jpg", "cover", op=op))


def plan_photo_cover(
    post, profile, first_photo: Path, steps, warnings, options=None, *, size=None, blockers=None, rules=None
) -> None:
    """A photo post's cover: made only when asked (``cover:`` or ``cover_text:``); the app
    otherwise shows the first photo. ``rules`` size it: the photos' (the default), or the
    video's for a slideshow.

    Given the first photo's ``size`` (as displayed) and ``blockers``, a cover that photo cannot
    make (too thin for the cover's shape) blocks the bundle now rather than failing it halfway
    through writing. A ``cover:`` image is not probed while planning: one too thin fails its
    bundle when the cover is made (media/covers.py raises the same DoesNotFitError).
    """
    if post.cover is None and not post.cover_text:
        return
    if not profile.cover.custom_image:
        warnings.append(f"{profile.name} takes no cover image here; the first photo is the cover")
        return
    if post.cover is not None and post.cover.time_s is not None:
        warnings.append("cover {time} applies to videos; the first photo is used for the cover")
    source = post.cover.path if post.cover is not None and post.cover.path else first_photo
    known = size if source == first_photo else None  # a cover: image is not probed while planning
    op = _base_op(
        post, rules or profile.image or profile.video, profile, options, warnings, "image", size=known
    )
    unfit = _cover_unfit(known, op) if known is not None else []
    if unfit and blockers is not None:
        blockers.extend(unfit)
        return
    steps.append(Step("cover", source, "cover.jpg", "cover", op=op))


def _cover_unfit(size: tuple[int, int], op: CoverOp) -> list[str]:
    """Why media/covers.py could not fit a picture of ``size`` to ``op`` (it makes this same
    call), in words; empty when it can."""
    try:
        fit_cover(size, op.aspect, op.frame, op.fit, op.min_side_px)
    except DoesNotFitError as exc:
        return [f"cover.jpg: {reason}" for reason in exc.reasons]
    return []
