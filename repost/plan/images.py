"""Planning a photo post for one platform: each photo fitted, or copied where it already fits."""

from __future__ import annotations

import dataclasses

from repost.errors import DoesNotFitError
from repost.ops import SRGB_NAMES, Copy
from repost.plan.options import PlanOptions
from repost.plan.photo import choose_aspect, describe_fit, frame_for, plan_photo_op, source_fill
from repost.plan.size import is_soft, soft_warning
from repost.plan.step import Planned, Step, blocked
from repost.platforms.rules import check_image, check_image_count, matching_aspect

IMAGE_EXT = {"jpeg": "jpg", "png": "png", "webp": "webp", "heif": "heic"}


def plan_images(profile, images, options: PlanOptions) -> Planned:
    """Plan every photo of a post, with the manifest's ``privacy`` entry (None when blocked)."""
    rules = profile.image
    if "photos" not in profile.kinds or rules is None:
        return blocked(f"{profile.name} takes no photo posts (a slideshow video is needed)")
    problems = [f.message.split(": ", 1)[1] for f in check_image_count("post", len(images), profile)]
    if "jpeg" not in rules.formats:
        problems.append(f"{profile.name} takes no JPEG ({', '.join(rules.formats)})")
    if problems:
        return blocked("; ".join(problems))
    keep = options.keep_metadata
    fit = options.fit or rules.fit
    steps, changes, warnings = [], [], []
    uniform = None  # the first photo's aspect, where the platform crops all to it
    copied, unfit = [], []
    for i, facts in enumerate(images, start=1):
        size = (facts.width, facts.height)
        aspect = uniform or choose_aspect(*size, rules)
        if rules.uniform_aspect and uniform is None:
            uniform = aspect
        frame = frame_for(aspect, rules)
        copy_name = f"{i:02d}.{IMAGE_EXT.get(facts.format, facts.format)}"
        as_is = _fits_as_is(copy_name, facts, profile, aspect, frame, keep)
        warnings += _soft(copy_name if as_is else f"{i:02d}.jpg", facts, aspect, frame, fit, rules)
        if as_is:
            steps.append(Step(facts.path, copy_name, "image", Copy()))
            copied.append(copy_name)
            continue
        try:
            step, change = _photo_step(f"{i:02d}.jpg", facts, aspect, frame, rules, fit, keep)
        except DoesNotFitError as exc:  # the rest are still planned: every problem said at once
            unfit += [f"{i:02d}.jpg: {reason}" for reason in exc.reasons]
            continue
        steps.append(step)
        changes.append(change)
    if copied:
        changes.insert(0, f"copied {', '.join(copied)} as {'it is' if len(copied) == 1 else 'they are'}")
    if rules.uniform_aspect and len(images) > 1:
        changes.append(f"all photos made {uniform}: {profile.name} crops a carousel to its first photo")
    if unfit:
        return Planned(tuple(steps), tuple(changes), tuple(warnings), tuple(unfit))
    return Planned(tuple(steps), tuple(changes), tuple(warnings)) + describe_privacy(images, keep)


def _soft(name, facts, aspect, frame, fit, rules) -> list[str]:
    """The size policy's warning for a photo whose own pixels fall short of the frame."""
    size = (facts.width, facts.height)
    try:
        own = source_fill(size, aspect, frame, fit, rules.aspect_tolerance)
    except DoesNotFitError:  # too thin to fit at all: a blocker says so
        return []
    return [soft_warning(size, frame, name)] if is_soft(own, frame) else []


def _photo_step(name, facts, aspect, frame, rules, fit, keep) -> tuple[Step, str]:
    """The step making photo ``name`` and the change in words; DoesNotFitError where the photo
    is too thin (or small) to make anything of at ``aspect``."""
    size = (facts.width, facts.height)
    op = plan_photo_op(size, aspect, frame, fit, tolerance=rules.aspect_tolerance, min_side=rules.min_side_px)
    op = dataclasses.replace(op, max_bytes=rules.max_bytes, keep_metadata=keep)
    done = [*describe_reading(facts), describe_fit(name, size, aspect, op, fit).split(": ", 1)[1]]
    return Step(facts.path, name, "image", op), f"{name}: " + "; ".join(done)


def _fits_as_is(name, facts, profile, aspect, frame, keep) -> bool:
    errors = [f for f in check_image(name, facts, profile) if f.severity == "error"]
    if errors or (facts.metadata and not keep):
        return False
    if facts.orientation != 1 or facts.has_alpha or not _is_srgb(facts):
        return False
    if facts.width > frame[0] or facts.height > frame[1]:
        return False  # larger than the profile's resolution: scaled down
    return matching_aspect(facts.width, facts.height, [aspect], profile.image.aspect_tolerance) is not None


def _is_srgb(facts) -> bool:
    return not facts.icc or any(n in (facts.icc_name or "").lower() for n in SRGB_NAMES)


def describe_reading(facts) -> list[str]:
    """What reading the photo takes, in words, from its probed facts."""
    done = []
    if facts.format == "mpo":
        done.append("took the base picture of a multi-picture JPEG (UltraHDR or MPO)")
    elif facts.frame_count > 1:
        done.append(f"took the first of {facts.frame_count} frames")
    if facts.orientation != 1:
        done.append(f"turned upright (EXIF orientation {facts.orientation})")
    if facts.mode == "CMYK":
        done.append("converted CMYK to RGB")
    elif facts.mode.startswith("I"):
        done.append("reduced 16-bit to 8-bit")
    if facts.icc and not _is_srgb(facts):
        done.append(f"converted colours from {facts.icc_name or 'the embedded profile'} to sRGB")
    if facts.has_alpha:
        done.append("flattened transparency onto white")
    if facts.format not in ("jpeg", "mpo"):
        done.append(f"re-encoded {facts.format.upper()} as JPEG")
    return done


def describe_privacy(images, keep: bool) -> Planned:
    """The manifest's ``privacy`` entry, and a change or warning saying the same in words."""
    with_meta = sum(bool(f.metadata) for f in images)
    with_gps = sum(bool(f.gps) for f in images)
    if keep:
        kept = f"kept metadata (--keep-metadata): GPS location left in {with_gps} photo(s)"
        privacy = {"metadata": "kept", "photos_with_gps": with_gps}
        return Planned(warnings=(kept,) if with_gps else (), privacy=privacy)
    gps = f", GPS location in {with_gps}" if with_gps else ""
    removed = (f"removed EXIF and other metadata from {with_meta} photo(s){gps}",) if with_meta else ()
    return Planned(changes=removed, privacy={"metadata": "stripped", "photos_with_gps": 0})
