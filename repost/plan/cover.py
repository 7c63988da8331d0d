"""Planning a bundle's cover (pure): which picture, fitted to the platform's cover shape, and its text."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from repost.errors import DoesNotFitError
from repost.ops import CoverOp
from repost.plan.options import PlanOptions
from repost.plan.photo import frame_for, plan_photo_op
from repost.plan.step import Planned, Step

# Where an automatic cover is looked for: ten evenly spaced frames between 5% and 80% of the
# video, past fade-ins and black openings and before end cards; media/covers.py scores them.
AUTO_FRACTIONS = (0.05, 0.13, 0.22, 0.3, 0.38, 0.47, 0.55, 0.63, 0.72, 0.8)


def auto_times(duration_s: float) -> tuple[float, ...]:
    """The candidate times of an automatic cover of a video ``duration_s`` long."""
    return tuple(sorted({round(duration_s * k, 3) for k in AUTO_FRACTIONS}))


def _base_op(
    post, rules, profile, options: PlanOptions, fonts, kind, size, times=(), rotation=0
) -> tuple[CoverOp | None, list[str], tuple[str, ...]]:
    """The cover at ``profile``'s cover aspect, sized by ``rules`` (the video's for a video or a
    slideshow, the photos' for a photo post): their recommended frame, and their minimum side.
    ``size``: the picture the cover is made from, as displayed. Returns the op (None where the
    picture is too thin for the cover's shape), the warnings about its text, and why not."""
    aspect = profile.cover.aspect
    frame, least = frame_for(aspect, rules), getattr(rules, "min_side_px", None)
    fit = cover_fit(size, aspect, frame, options.fit, rules.fit, least)
    text, font, warnings = _cover_text(post.cover_text, fonts)
    try:
        photo = fit_cover(size, aspect, frame, fit, least)
    except DoesNotFitError as exc:
        return None, warnings, tuple(exc.reasons)
    op = CoverOp(
        kind, frame, aspect, fit, photo, tuple(times), rotation, profile.cover.safe_aspect, text, font, least,
    )  # fmt: skip
    return op, warnings, ()


def _cover_step(source: Path, op: CoverOp | None, warnings, unfit, where: Path | None) -> Planned:
    """The cover step, or the blockers of a picture too thin for the cover's shape (naming the
    file where it is not the bundle's own photo)."""
    if op is None:
        named = f" [{where}]" if where is not None else ""
        return Planned(warnings=tuple(warnings), blockers=tuple(f"cover.jpg: {r}{named}" for r in unfit))
    return Planned((Step(source, "cover.jpg", "cover", op),), warnings=tuple(warnings))


def _picture_size(cover_facts, path: Path) -> tuple[tuple[int, int] | None, tuple[str, ...]]:
    """The displayed size of a ``cover:`` image as probed before planning, or why it has none."""
    if cover_facts is None or getattr(cover_facts, "kind", None) != "image":
        return None, (f"cover.jpg: {path.name} is not a picture repost can read [{path}]",)
    return (cover_facts.width, cover_facts.height), ()


def cover_fit(
    size: tuple[int, int] | None, aspect: str, frame: tuple[int, int], fit, default: str, min_side=None
) -> str:
    """The fit a cover is planned with: the one asked for where it shapes the cover, else the
    profile's ``default``.

    The cover's picture is fitted with ``plan_photo_op``; where that comes out the same for
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
    """The PhotoOp making a cover of a picture of ``size`` (the CoverOp carries it)."""
    return plan_photo_op(size, aspect, frame, fit, min_side=min_side)


def _cover_text(text: str | None, fonts: Mapping) -> tuple[str | None, Path | None, list[str]]:
    """The cover text as it can be drawn, by the font export chose for it (``fonts``: text ->
    media.fonts.FontChoice): characters no installed font has are left out (a warning says
    which), never drawn as empty boxes."""
    text = (text or "").strip()
    if not text:
        return None, None, []
    choice = fonts.get(text)
    warnings = []
    if choice is None or choice.path is None:
        warnings.append(
            "cover_text not drawn: no usable font found (install fonts-noto-cjk or set REPOST_FONT)"
        )
        return None, None, warnings
    if choice.missing:
        lacking = "".join(choice.missing)
        text = "".join(c for c in text if c not in choice.missing).strip()
        warnings.append(
            f"cover_text: no installed font has {lacking!r}; drawn without them"
            " (install fonts-noto-cjk or set REPOST_FONT)"
            if text
            else f"cover_text not drawn: no installed font has {lacking!r} (install fonts-noto-cjk)"
        )
    return (text or None), (choice.path if text else None), warnings


def plan_cover(post, profile, facts, options: PlanOptions, fonts: Mapping, cover_facts=None) -> Planned:
    """The cover of a video post: ``cover:`` a path (``cover_facts``: that picture, probed) or
    ``{time}``, else the best of a few frames."""
    if not profile.cover.custom_image:
        unused = f"{profile.name} takes no cover image here; cover_text not used"
        return Planned(warnings=(unused,) if post.cover_text else ())
    cover = post.cover
    if cover is not None and cover.path is not None:
        size, unreadable = _picture_size(cover_facts, cover.path)
        if unreadable:
            return Planned(blockers=unreadable)
        op, warnings, unfit = _base_op(post, profile.video, profile, options, fonts, "image", size)
        return _cover_step(cover.path, op, warnings, unfit, cover.path)
    # The frame as decoded and turned upright (media/covers.py): the probed size, rotation applied.
    size = (facts.width, facts.height)
    warnings = []
    if cover is not None and cover.time_s is not None:
        at = cover.time_s
        if at >= facts.duration_s:
            warnings.append(
                f"cover time {at:g} s is past the end ({facts.duration_s:.2f} s); took the last frame"
            )
            at = max(facts.duration_s - 0.05, 0.0)
        kind, times = "frame", (round(at, 3),)
    else:
        kind, times = "auto", auto_times(facts.duration_s)
    op, said, unfit = _base_op(
        post, profile.video, profile, options, fonts, kind, size, times, facts.rotation
    )
    return _cover_step(facts.path, op, [*warnings, *said], unfit, facts.path)


def plan_photo_cover(
    post, profile, first_photo: Path, options: PlanOptions, fonts: Mapping, *, size, rules=None,
    cover_facts=None,
) -> Planned:  # fmt: skip
    """A photo post's cover: made only when asked (``cover:`` or ``cover_text:``); the app
    otherwise shows the first photo. ``rules`` size it: the photos' (the default), or the
    video's for a slideshow.

    ``size`` is the first photo's (as displayed), ``cover_facts`` a ``cover:`` image's, probed
    before planning: a cover the picture cannot make (too thin for the cover's shape) blocks
    the bundle now rather than failing it halfway through writing.
    """
    if post.cover is None and not post.cover_text:
        return Planned()
    if not profile.cover.custom_image:
        return Planned(warnings=(f"{profile.name} takes no cover image here; the first photo is the cover",))
    warnings = []
    if post.cover is not None and post.cover.time_s is not None:
        warnings.append("cover {time} applies to videos; the first photo is used for the cover")
    source, where = first_photo, None
    if post.cover is not None and post.cover.path and post.cover.path != first_photo:
        source = where = post.cover.path
        size, unreadable = _picture_size(cover_facts, source)
        if unreadable:
            return Planned(warnings=tuple(warnings), blockers=unreadable)
    rules = rules or profile.image or profile.video
    op, said, unfit = _base_op(post, rules, profile, options, fonts, "image", size)
    return _cover_step(source, op, [*warnings, *said], unfit, where)
