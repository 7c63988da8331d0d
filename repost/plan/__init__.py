"""The planner: pure decisions, from (post, profile, probed facts) to what a bundle will hold and why."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from repost.plan.cover import plan_photo_cover
from repost.plan.images import plan_images
from repost.plan.options import Evidence, Part, PlanOptions
from repost.plan.slideshow import plan_slideshow
from repost.plan.step import Planned, Step, blocked
from repost.plan.video import plan_parts, plan_video
from repost.platforms.model import Profile
from repost.platforms.norms import plan_warnings
from repost.post.model import Post
from repost.text.compose import BundleTexts, TextOptions, compose_texts

__all__ = [
    "BundlePlan", "Evidence", "Part", "PlanOptions", "Step", "is_part_bundle_id", "part_bundle_id",
    "plan_bundle", "plan_bundles", "post_folder", "safe_id",
]  # fmt: skip

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
    options: PlanOptions = field(default_factory=PlanOptions)  # as asked, the fit resolved
    privacy: Mapping[str, object] | None = None  # the manifest's "privacy": metadata stripped or kept
    part: str | None = None  # "1/2" when a video or a carousel was split into numbered posts

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


def post_folder(post: Post) -> str:
    """The folder of a post's bundles, DIR/<this>/<platform>: its readable name where it was
    given one (an imported post), else its id made folder-safe."""
    return safe_id(post.folder or post.id)


def part_bundle_id(post_id: str, part: int) -> str:
    """The folder of part ``part`` of a post split into numbered posts: DIR/<post-id>-part<i>."""
    return f"{safe_id(post_id)}-part{part}"


def is_part_bundle_id(name: str, post_id: str) -> bool:
    """Whether folder ``name`` is one of ``post_id``'s parts (not another post's that looks so)."""
    return re.fullmatch(re.escape(safe_id(post_id)) + r"-part[0-9]+", name) is not None


def plan_bundles(
    post: Post,
    profile: Profile,
    facts: Mapping[Path, object],
    options: PlanOptions | None = None,
    evidence: Evidence | None = None,
) -> list[BundlePlan]:
    """The bundles of one post for one platform: usually one. With ``--split`` a video over the
    maximum becomes one bundle per part, and a carousel over the platform's photo cap becomes
    numbered posts (``--carousel split``, the default) or keeps its first photos (``truncate``).
    Each part is its own bundle ``<post-id>-part<i>`` (docs/bundles.md's layout holds: one video or one
    carousel and one caption per bundle, as each part is uploaded as its own post)."""
    options, evidence = options or PlanOptions(), evidence or Evidence()
    over = post.for_platform(profile.id)
    videos = [facts[m.path] for m in over.media if facts[m.path].kind == "video"]
    parts = plan_parts(profile, videos[0], options) if len(videos) == 1 else []
    if not parts:
        return _plan_carousel(post, profile, facts, options, evidence)
    return [plan_bundle(post, profile, facts, options, evidence, part) for part in parts]


def _part_post(post: Post, i: int, n: int) -> Post:
    """The post of part ``i`` of ``n``: every caption (translations too) opens with "(i/n)",
    first so that fitting a long caption to the limit never cuts it off."""

    def mark(text: str | None) -> str:
        return f"({i}/{n}) {text or ''}".strip()

    translations = {
        lang: dataclasses.replace(tr, caption=mark(tr.caption)) if tr.caption else tr
        for lang, tr in post.translations.items()
    }
    platforms = {
        pid: MappingProxyType({**over, "caption": mark(over["caption"])}) if over.get("caption") else over
        for pid, over in post.platforms.items()
    }
    return dataclasses.replace(
        post,
        caption=mark(post.caption),
        translations=MappingProxyType(translations),
        platforms=MappingProxyType(platforms),
    )


def plan_bundle(
    post: Post,
    profile: Profile,
    facts: Mapping[Path, object],
    options: PlanOptions | None = None,
    evidence: Evidence | None = None,
    part: Part | None = None,
) -> BundlePlan:
    """Decide one bundle: the media steps, the texts, the changes and what blocks it."""
    options, evidence = options or PlanOptions(), evidence or Evidence()
    written = post  # the texts apply the overrides themselves: they need the post's own language
    post = post.for_platform(profile.id)
    # --fit wins over post.yaml's fit (per post or per platform), which wins over the profile's:
    # resolved here, once, for videos, photos, slideshows and covers alike.
    options = dataclasses.replace(options, fit=options.fit or post.fit)
    media_order = [item.alt for item in post.media]  # translated alt texts follow the whole post's order
    if part:
        post = _part_post(post, part.index, part.count)
        written = _part_post(written, part.index, part.count)
    media = [facts[item.path] for item in post.media]
    cover = facts.get(post.cover.path) if post.cover is not None and post.cover.path else None
    planned, kind = _plan_media(post, profile, media, options, evidence, cover, part)
    text_options = TextOptions(options.overflow, options.bilingual, dict(options.lang))
    texts = compose_texts(written, profile, kind, text_options)
    warnings = list(planned.warnings) + list(texts.warnings)
    if options.norms:
        warnings += plan_warnings(post, profile, texts)
    return BundlePlan(
        post,
        profile,
        part_bundle_id(post_folder(post), part.index) if part else post_folder(post),
        tuple(_with_alt(list(planned.steps), post, texts.lang, media_order)),
        texts,
        planned.changes + tuple(texts.changes),
        tuple(warnings),
        planned.blockers,
        options,
        planned.privacy,
        part.label if part else None,
    )


def _plan_media(
    post: Post, profile: Profile, media: list, options: PlanOptions, evidence: Evidence, cover, part
):
    """The media steps of one bundle (of ``part`` of a video), and the kind of post its texts
    are written for; ``cover`` is a ``cover:`` image's probed facts."""
    videos = [f for f in media if f.kind == "video"]
    images = [f for f in media if f.kind == "image"]
    if videos and images:
        return blocked("the post mixes photos and video; platforms take one kind per post"), "video"
    if len(videos) > 1:
        return blocked(f"the post has {len(videos)} videos; a post takes one"), "video"
    if videos:
        return plan_video(post, profile, videos[0], options, evidence, part, cover), "video"
    if not images:
        return Planned(), "photos"
    first = (images[0].width, images[0].height)
    if _as_slideshow(profile, options):
        planned = plan_slideshow(post, profile, images, options)
        planned = dataclasses.replace(planned, privacy={"metadata": "stripped", "photos_with_gps": 0})
        if not planned.blockers:
            planned += plan_photo_cover(
                post, profile, images[0].path, options, evidence.fonts, size=first, rules=profile.video,
                cover_facts=cover,
            )  # fmt: skip
        return planned, "video"  # the post is now a video, for its texts
    planned = plan_images(profile, images, options)
    if planned.privacy is not None:
        planned += plan_photo_cover(
            post, profile, images[0].path, options, evidence.fonts, size=first, cover_facts=cover
        )
    return planned, "photos"


def _as_slideshow(profile: Profile, options: PlanOptions) -> bool:
    """Photos become a video where the platform takes no photo posts, or with ``--as video``."""
    if options.as_kind == "video":
        return True
    return "photos" not in profile.kinds and "video" in profile.kinds


def _plan_carousel(
    post: Post, profile: Profile, facts: Mapping[Path, object], options: PlanOptions, evidence: Evidence
) -> list[BundlePlan]:
    """One bundle, or a carousel over the platform's photo cap split or truncated."""
    fitted = post.for_platform(profile.id)
    cap = profile.image.max_count if profile.image else None
    photos = [i for i in fitted.media if getattr(facts[i.path], "kind", None) == "image"]
    over = cap is not None and len(photos) == len(fitted.media) > cap and not _as_slideshow(profile, options)
    if not over:
        return [plan_bundle(post, profile, facts, options, evidence)]
    # The post as written keeps its overrides (the texts need its own language); only this
    # platform's media override goes, as each part names its photos itself.
    over_media = {
        pid: MappingProxyType({k: v for k, v in over.items() if k != "media"}) if pid == profile.id else over
        for pid, over in post.platforms.items()
    }
    base = dataclasses.replace(post, platforms=MappingProxyType(over_media))
    if options.carousel == "truncate":
        kept = dataclasses.replace(base, media=fitted.media[:cap])
        plan = plan_bundle(kept, profile, facts, options, evidence)
        note = (
            f"kept the first {cap} of {len(photos)} photos ({profile.name} takes {cap}; --carousel truncate)"
        )
        return [dataclasses.replace(plan, changes=(note, *plan.changes))]
    chunks = [fitted.media[i : i + cap] for i in range(0, len(photos), cap)]
    plans = []
    for k, chunk in enumerate(chunks, start=1):
        part = f"{k}/{len(chunks)}"
        one = _part_post(dataclasses.replace(base, media=chunk), k, len(chunks))
        plan = plan_bundle(one, profile, facts, options, evidence)
        first = (k - 1) * cap + 1
        note = (
            f"post {part} of a carousel split in {len(chunks)} ({profile.name} takes {cap}):"
            f" photos {first}-{first + len(chunk) - 1} of {len(photos)}"
        )
        bundle_id = part_bundle_id(post_folder(post), k)
        plans.append(dataclasses.replace(plan, bundle_id=bundle_id, changes=(note, *plan.changes), part=part))
    return plans


def _with_alt(steps: list[Step], post: Post, lang: str | None, media_order: list) -> list[Step]:
    """Each photo or video step carries its media item's alt text (for the manifest and
    preview), in the language of the bundle's texts where the post has it translated."""
    tr = post.translations.get(lang) if lang else None
    translated = dict(zip(media_order, tr.alt, strict=False)) if tr is not None else {}
    alts = {item.path: translated.get(item.alt) or item.alt for item in post.media if item.alt}
    return [
        dataclasses.replace(s, alt=alts[s.source]) if s.role != "cover" and s.source in alts else s
        for s in steps
    ]
