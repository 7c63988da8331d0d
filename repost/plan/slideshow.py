"""Planning a slideshow video from a photo post (pure): frame, timing, fades, audio."""

from __future__ import annotations

import dataclasses

from repost.errors import DoesNotFitError
from repost.ops import PhotoOp, SlideshowOp
from repost.plan.images import describe_reading
from repost.plan.options import PlanOptions
from repost.plan.photo import frame_for, plan_photo_op, source_fill
from repost.plan.rendition import GOP_SECONDS, VBV_BUFFER_S, plan_rate_cap
from repost.plan.size import even_frame, frame_scale, is_soft, soft_warning
from repost.plan.step import Planned, Step, blocked

# repost's choices, not platform rules: 3 s lets a viewer take a photo in; a 0.5 s crossfade
# reads as a cut softened; 30 fps is the common short-video rate (clamped to the profile's range).
SECONDS_PER_PHOTO = 3.0
CROSSFADE_S = 0.5
FRAME_RATE = 30.0
AUDIO_RATE_HZ = 48000  # AAC's usual rate; lowered to the profile's maximum where that is lower
PAN_ZOOM = 0.04  # the picture grows by 4% over its time on screen: gentle, never a jump


def _timing(n: int, seconds: float, fps: float, rules) -> tuple[float, float]:
    """Seconds per photo and crossfade: as asked, stretched evenly to the platform's minimum."""
    fade = min(CROSSFADE_S, seconds / 2) if n > 1 else 0.0
    if rules.min_duration_s and n * seconds - (n - 1) * fade < rules.min_duration_s:
        seconds = (rules.min_duration_s + (n - 1) * fade) / n + 1 / fps  # a frame to spare
    return seconds, fade


def _frame(images, rules, fit: str) -> tuple[tuple[int, int], list[str]]:
    """The video frame by the size policy (plan/size.py): as large as the largest photo's own
    pixels fill at the preferred aspect, enlarged only to the minimum side; each photo below
    the recommended frame is warned about (a video has one size: the others are scaled to it)."""
    rec = frame_for(rules.preferred_aspect, rules)
    fills, warnings = [], []
    for f in images:
        try:
            fill = source_fill((f.width, f.height), rules.preferred_aspect, rec, fit)
        except DoesNotFitError:  # refused in _fit_photos, with its reason
            continue
        fills.append(fill)
        if is_soft(fill, rec):
            warnings.append(soft_warning((f.width, f.height), rec, f.path.name))
    k = frame_scale(max(fills, default=1.0), rec, rules)
    return even_frame(rules.preferred_aspect, rec[0] * k, rec[1] * k, rules.aspect_tolerance), warnings


def _fit_photos(images, aspect: str, frame, fit: str) -> tuple[tuple[PhotoOp, ...], list[str]]:
    """Each photo fitted to the video frame, and a blocker per photo that cannot be."""
    ops, unfit = [], []
    for f in images:
        try:
            op = plan_photo_op((f.width, f.height), aspect, frame, fit, upscale=True)
        except DoesNotFitError as exc:
            unfit += [f"{f.path.name}: {reason}" for reason in exc.reasons]
            continue
        ops.append(dataclasses.replace(op, canvas=frame))
    return tuple(ops), unfit


def plan_slideshow(post, profile, images, options: PlanOptions) -> Planned:
    """A photo post as one video for a platform that takes video (Reels), or when asked."""
    rules = profile.video
    if "video" not in profile.kinds or rules is None:
        return blocked(f"{profile.name} takes no video, so no slideshow")
    if "mp4" not in rules.containers or "h264" not in rules.codecs:
        return blocked(f"{profile.name} takes no H.264 MP4, which slideshows are written as")
    fit = options.fit or rules.fit
    frame, warnings = _frame(images, rules, fit)
    ops, unfit = _fit_photos(images, rules.preferred_aspect, frame, fit)
    if unfit:
        return Planned(warnings=tuple(warnings), blockers=tuple(unfit))
    fps = min(max(FRAME_RATE, rules.min_fps or FRAME_RATE), rules.max_fps or FRAME_RATE)
    n = len(images)
    seconds, fade = _timing(n, float(options.photo_seconds or SECONDS_PER_PHOTO), fps, rules)
    op = SlideshowOp(
        tuple(f.path for f in images), ops, frame, fps, round(seconds, 3), fade,
        PAN_ZOOM if options.pan_zoom else 0.0, post.audio,
        min(AUDIO_RATE_HZ, rules.max_sample_rate_hz or AUDIO_RATE_HZ),
        gop_frames=max(1, round(fps * GOP_SECONDS)),
    )  # fmt: skip
    # The same VBV cap as every other encode: the shared ceiling, or less where the platform's
    # bitrate or byte limit asks for it.
    cap, cap_why = plan_rate_cap(rules, op.duration_s, op.audio_bitrate_bps if post.audio else 0)
    op = dataclasses.replace(op, maxrate_bps=cap, bufsize_bits=VBV_BUFFER_S * cap)
    if rules.max_duration_s and op.duration_s > rules.max_duration_s:
        too_long = (
            f"a slideshow of {n} photos at {seconds:g} s each runs {op.duration_s:.1f} s"
            f" > {rules.max_duration_s:g} s; use fewer photos or a shorter --photo-seconds"
        )
        return Planned(warnings=tuple(warnings), blockers=(too_long,))
    step = Step(images[0].path, "01.mp4", "video", op, op.duration_s)
    read = sorted({d for f in images for d in describe_reading(f) if not d.startswith("re-encoded")})
    sound = f", with the audio of {post.audio.name}" if post.audio else ", silent"
    changes = [
        f"made a {op.duration_s:.1f} s slideshow video of {n} photo(s): {frame[0]}x{frame[1]} at"
        f" {fps:g} fps, {op.seconds:g} s each, {fade:g} s crossfades ({fit} to"
        f" {rules.preferred_aspect}){', gentle pan and zoom' if op.pan_zoom else ''}{sound}"
    ]
    if read:
        changes.append("slideshow photos: " + "; ".join(read))
    if cap_why:
        changes.append(cap_why)
    mute = post.audio is None and rules.audio_required
    blockers = (f"{profile.name} requires audio: add `audio:` to the post",) if mute else ()
    return Planned((step,), tuple(changes), tuple(warnings), blockers)
