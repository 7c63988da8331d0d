"""The planner: pure decisions, from (post, profile, probed facts) to what a bundle will hold and why."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from repost.media.commands import cover_frame_args, remux_args
from repost.model import Post
from repost.profiles import Profile
from repost.rules import REMUX, check_image, check_image_count, check_video
from repost.text.compose import BundleTexts, compose_texts

SAFE_ID_RE = re.compile(r"[^\w.\-]+", re.UNICODE)
WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}
IMAGE_EXT = {"jpeg": "jpg", "png": "png", "webp": "webp", "heif": "heic"}


@dataclass(frozen=True)
class Step:
    """One file of a bundle and how it is made. ``ffmpeg_args`` write to ``dest`` in the bundle."""

    action: str  # "ffmpeg" | "copy" | "jpeg"
    source: Path
    dest: str
    role: str  # video | image | cover
    ffmpeg_args: tuple[str, ...] | None = None


@dataclass(frozen=True)
class BundlePlan:
    post: Post
    profile: Profile
    bundle_id: str
    steps: tuple[Step, ...]
    texts: BundleTexts
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    blockers: tuple[str, ...] = ()
    options: Mapping[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.blockers


def safe_id(post_id: str) -> str:
    """A post id made safe as one path component: no separators, no leading dots, not reserved."""
    text = unicodedata.normalize("NFC", post_id)
    text = SAFE_ID_RE.sub("-", text).strip("-.")[:100].strip("-.")
    if not text:
        text = "post"
    if text.split(".")[0].lower() in WINDOWS_RESERVED:
        text = f"{text}-post"
    return text


def plan_bundle(post: Post, profile: Profile, facts: Mapping[Path, object], options=None) -> BundlePlan:
    """Decide one bundle: the media steps, the texts, the changes and what blocks it."""
    options = dict(options or {})
    post = post.for_platform(profile.id)
    media = [(item, facts[item.path]) for item in post.media]
    videos = [(i, f) for i, f in media if f.kind == "video"]
    images = [(i, f) for i, f in media if f.kind == "image"]
    steps: list[Step] = []
    changes: list[str] = []
    warnings: list[str] = []
    blockers: list[str] = []
    if videos and images:
        blockers.append("the post mixes photos and video; platforms take one kind per post")
    elif len(videos) > 1:
        blockers.append(f"the post has {len(videos)} videos; a post takes one")
    elif videos:
        _plan_video(post, profile, videos[0][1], steps, changes, warnings, blockers)
    elif images:
        _plan_images(profile, [f for _, f in images], steps, changes, blockers)
    texts = compose_texts(post, profile, "video" if videos else "photos")
    changes += texts.changes
    warnings += texts.warnings
    return BundlePlan(
        post,
        profile,
        safe_id(post.id),
        tuple(steps),
        texts,
        tuple(changes),
        tuple(warnings),
        tuple(blockers),
        options,
    )


def _plan_video(post, profile, facts, steps, changes, warnings, blockers) -> None:
    if "video" not in profile.kinds or profile.video is None:
        blockers.append(f"{profile.name} takes no video")
        return
    name = "01.mp4"
    findings = check_video(name, facts, profile)
    hard = [f for f in findings if f.fix != REMUX]
    if hard:
        blockers.append("needs re-encode: " + "; ".join(f.message.split(": ", 1)[1] for f in hard))
        return
    if "mp4" not in profile.video.containers:
        blockers.append(f"{profile.name} takes no MP4 ({', '.join(profile.video.containers)})")
        return
    drop_edit_list = not profile.video.allow_edit_lists
    args = remux_args(facts, name, drop_edit_list=drop_edit_list)
    steps.append(Step("ffmpeg", facts.path, name, "video", args))
    changes.append(_copy_change(facts, profile, findings))
    if facts.vfr:
        warnings.append(f"{name}: variable frame rate kept as recorded (stream copy)")
    _plan_cover(post, profile, facts, steps, warnings)


def _copy_change(facts, profile: Profile, findings) -> str:
    audio = f"/{facts.audio.codec.upper()}" if facts.audio else ""
    done = ["copied", f"{facts.codec.upper()}{audio} streams as they are (no re-encode)"]
    fields = {f.field for f in findings}
    if "container" in fields:
        done.append(f"rewrapped {facts.container} as mp4")
    if facts.moov_first is False or "faststart" in fields:
        done.append("moved the moov atom to the front")
    if "edit_list" in fields:
        done.append("dropped the edit list")
    done.append("container metadata removed")
    return done[0] + " " + "; ".join(done[1:])


def _plan_cover(post, profile, facts, steps, warnings) -> None:
    if not profile.cover.custom_image:
        return
    cover = post.cover
    if cover is not None and cover.path is not None:
        steps.append(Step("jpeg", cover.path, "cover.jpg", "cover"))
        return
    if cover is not None and cover.time_s is not None:
        at = cover.time_s
        if at >= facts.duration_s:
            warnings.append(
                f"cover time {at:g} s is past the end ({facts.duration_s:.2f} s); took the last frame"
            )
            at = max(facts.duration_s - 0.05, 0.0)
    else:
        # A frame a little in, past fade-ins and black first frames (a better pick is issue 4's).
        at = min(facts.duration_s * 0.25, 3.0)
    steps.append(Step("ffmpeg", facts.path, "cover.jpg", "cover", cover_frame_args(facts, at, "cover.jpg")))


def _plan_images(profile, images, steps, changes, blockers) -> None:
    if "photos" not in profile.kinds or profile.image is None:
        blockers.append(f"{profile.name} takes no photo posts (a slideshow video is needed)")
        return
    count = check_image_count("post", len(images), profile)
    problems = [f.message.split(": ", 1)[1] for f in count]
    for i, facts in enumerate(images, start=1):
        name = f"{i:02d}.{IMAGE_EXT.get(facts.format, facts.format)}"
        findings = check_image(name, facts, profile)
        problems += [f.message for f in findings]
        steps.append(Step("copy", facts.path, name, "image"))
    if problems:
        blockers.append("needs conversion: " + "; ".join(problems))
        return
    changes.append(f"copied {len(images)} photo(s) as they are")
