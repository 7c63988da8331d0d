"""The planner: pure decisions, from (post, profile, probed facts) to what a bundle will hold and why."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from repost.model import Post
from repost.plan.images import plan_images
from repost.plan.step import Step
from repost.plan.video import plan_video
from repost.profiles import Profile
from repost.text.compose import BundleTexts, compose_texts

__all__ = ["BundlePlan", "Step", "plan_bundle", "safe_id"]

SAFE_ID_RE = re.compile(r"[^\w.\-]+", re.UNICODE)
WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}


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
        plan_video(post, profile, videos[0][1], steps, changes, warnings, blockers)
    elif images:
        plan_images(profile, [f for _, f in images], steps, changes, blockers)
    steps = _with_alt(steps, post)
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


def _with_alt(steps: list[Step], post: Post) -> list[Step]:
    """Each photo or video step carries its media item's alt text (for the manifest and preview)."""
    alts = {item.path: item.alt for item in post.media if item.alt}
    return [
        dataclasses.replace(s, alt=alts[s.source]) if s.role != "cover" and s.source in alts else s
        for s in steps
    ]
