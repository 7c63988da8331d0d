"""One post's bundles: probe its media once, plan each platform, make the encodes, write the
bundles. export runs it for each post it loads, migrate for each post it imports, a Dask worker
for each post sent to it (bundle/cluster.py)."""

from __future__ import annotations

import dataclasses
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from repost.bundle.build import (
    WORK_DIR,
    BundleResult,
    Renditions,
    bundle_path,
    is_current,
    write_bundle,
)
from repost.bundle.photos import probe_post, skipped_warnings
from repost.errors import BundleError, MediaError
from repost.events import QUIET, Events
from repost.media.fonts import choose_font
from repost.media.loudness import measure_requests
from repost.media.probe import probe_media
from repost.media.subject import find_subjects
from repost.media.watermark import find_watermarks
from repost.plan import BundlePlan, Evidence, PlanOptions, plan_bundles
from repost.plan.audio import level_requests
from repost.plan.cover import auto_times
from repost.platforms import names as platform_names
from repost.platforms.model import Profile
from repost.platforms.norms import watermark_rules
from repost.post.model import Post


@dataclass(frozen=True)
class ExportOptions:
    out: Path
    to: str
    fit: str | None = None
    jobs: int = 1
    dry_run: bool = False
    force: bool = False
    split: bool = False  # a video over the maximum: numbered parts instead of a trim
    loudness: float | None = None  # target LUFS for loudness normalisation
    carousel: str = "split"  # split | truncate: a carousel over a platform's cap
    keep_metadata: bool = False  # keep photos' EXIF (GPS, camera serials); stripped by default
    as_kind: str | None = None  # "video": photos become a slideshow on any platform taking video
    photo_seconds: float | None = None  # slideshow time per photo
    pan_zoom: bool = False  # slideshow: a gentle zoom on each photo
    overflow: str = "drop"  # hashtags over a platform's limit: drop, or comment.txt
    bilingual: bool = False
    lang: tuple[tuple[str, str], ...] = ()  # (platform id or '*', language) from --lang
    norms: bool = True  # --norms off: no warnings about what a platform limits (links, claims...)
    allow_outside_media: bool = False  # post.yaml may name media outside its folder
    cluster: str | None = None  # --cluster ADDRESS | local:N: each post's bundles on a Dask worker
    strict_photos: bool = False  # an unreadable photo fails its post instead of being left out

    def plan_options(self) -> PlanOptions:
        """The choices among these that change what a bundle holds."""
        return PlanOptions.of(self)


@contextmanager
def renditions_made(plans: list[BundlePlan], options: ExportOptions, renditions: Renditions):
    """Make the video encodes of the plans still to write (each distinct one once, encodes of
    one source sharing a decode where they may) into a work folder under DIR/.repost, removed
    once the bundles have copied them."""
    pending = [p for p in plans if p.ok and (options.force or not is_current(p, options.out))]
    work = Path(options.out).resolve() / WORK_DIR / f"renditions-{uuid.uuid4().hex[:8]}"
    try:
        renditions.prepare([s for p in pending for s in p.steps], work)
        yield renditions
    finally:
        shutil.rmtree(work, ignore_errors=True)


def plan_post(
    post: Post, targets: list[Profile], options: ExportOptions, events: Events = QUIET
) -> list[BundlePlan]:
    """Probe a post's media once and plan its bundles for each target (export and migrate share
    it); ``events`` hears of the steps that take a while (probes, analysis, loudness)."""
    # post.yaml may name a platform as people do ("instagram:"): the plans read ids.
    post, _ = platform_names.with_platform_ids(post, {p.id: p for p in targets})
    # Per-platform overrides may name other media: probe every file any target will use, once,
    # cover images too (the plan fits them to each cover's shape).
    lists = [_media_for(post, p) for p in (None, *targets)]
    before, ids = post, [p.id for p in targets]
    files = len({item.path for items in lists for item in items})
    with events.task(post.name, ids, f"reading {_count(files, 'media file')}"):
        post, facts, skipped = probe_post(post, lists, options.strict_photos or post.strict_photos)
        facts = _probe_covers(post, targets, facts)
    plan_options = options.plan_options()
    looking = "finding the subject" if options.fit == "smart" else "looking at the media"
    marked = [p for p in targets if watermark_rules(p.id)]  # the platforms that penalise a mark
    with events.task(post.name, ids, looking):
        # Another platform's watermark: a dry run scans no pictures (its steps do not depend on
        # it). The decode that scans a video picks its automatic cover too.
        scan, covers = not options.dry_run, _auto_covers(post, facts)
        evidence = Evidence(
            subjects=find_subjects(post, targets, facts, options.fit),  # fit smart: where the subject is
            watermarks=find_watermarks(post, marked, facts, options.norms, scan=scan, covers=covers),
            fonts=cover_fonts(post, targets),
        )
    plans = _with_skipped(_plan_all(post, targets, facts, plan_options, evidence), skipped, before, post)
    # Sound that is re-encoded keeps its source's loudness: measure those stretches (once per
    # run) and plan again with the figures, so the commands carry the exact gain.
    wanted = level_requests(plans)
    if not wanted:
        return plans
    with events.task(post.name, ids, "measuring loudness"):
        evidence = dataclasses.replace(evidence, levels=measure_requests(wanted))
    return _with_skipped(_plan_all(post, targets, facts, plan_options, evidence), skipped, before, post)


def _auto_covers(post: Post, facts: dict) -> dict:
    """{video path: the candidate times of its automatic cover}: the decode that scans a video
    for a watermark picks its cover too, so making the cover decodes nothing (a post whose
    cover is a file or a time has none)."""
    if post.cover is not None and (post.cover.path is not None or post.cover.time_s is not None):
        return {}
    return {p: auto_times(f.duration_s) for p, f in facts.items() if getattr(f, "kind", None) == "video"}


def _plan_all(post: Post, targets: list[Profile], facts, plan_options, evidence) -> list[BundlePlan]:
    return [b for p in targets for b in plan_bundles(post, p, facts, plan_options, evidence)]


def _with_skipped(plans: list[BundlePlan], skipped, before: Post, after: Post) -> list[BundlePlan]:
    """Each bundle warned of the photos its carousel goes on without (bundle/photos.py)."""
    if not skipped:
        return plans
    out = []
    for plan in plans:
        said = skipped_warnings(skipped, before, after, plan.profile.id)
        out.append(dataclasses.replace(plan, warnings=(*said, *plan.warnings)) if said else plan)
    return out


def _probe_covers(post: Post, targets: list[Profile], facts: dict) -> dict:
    """``facts`` with the ``cover:`` images the targets use, probed too (the plan fits each
    cover); one that cannot be read is left out, and its bundle is blocked, naming it."""
    covers = {c.path for c in (post.for_platform(p.id).cover for p in targets) if c is not None and c.path}
    found = dict(facts)
    for path in covers - set(found):
        try:
            found[path] = probe_media(path)
        except MediaError:
            continue
    return found


def cover_fonts(post: Post, targets: list[Profile]) -> dict:
    """The font that draws each cover text of the post (its own, and any platform's), chosen
    once here, where the fonts installed are read: the planner never reads files."""
    texts = {(post.for_platform(p.id).cover_text or "").strip() for p in targets}
    return {text: choose_font(text) for text in texts if text}


def _media_for(post: Post, profile: Profile | None):
    return post.media if profile is None else post.for_platform(profile.id).media


def write_post(
    plans: list[BundlePlan], options: ExportOptions, renditions: Renditions | None = None,
    events: Events = QUIET,
) -> list[BundleResult]:  # fmt: skip
    """One post's bundles, in turn, sharing renditions that come out identical; ``events``
    hears of each bundle as soon as it is done."""
    renditions = renditions or Renditions()
    results = []
    for plan in plans:
        try:
            with events.task(plan.post.name, [plan.profile.id], making(plan)):
                result = write_bundle(plan, options.out, force=options.force, renditions=renditions)
        except BundleError as exc:
            result = BundleResult(
                plan.post.id,
                plan.profile.id,
                safe_path(options.out, plan),
                "failed",
                plan.changes,
                plan.warnings,
                exc.one_line(),  # with the file it is about, where there is one
                name=plan.post.name,
            )
        results.append(result)
        events.bundle_done(result)
    return results


def making(plan: BundlePlan) -> str:
    """What writing a bundle does, as a person says it: "photos (6), cover", "slideshow"."""
    kinds: dict[str, int] = {}
    for step in plan.steps:
        word = STEP_WORDS.get(step.action, step.action)
        kinds[word] = kinds.get(word, 0) + 1
    words = [f"{w} ({n})" if n > 1 else w for w, n in kinds.items()]
    return "writing " + (", ".join(words) or "texts")


# Each kind of step as the progress line names it.
STEP_WORDS = {
    "ffmpeg": "video",
    "copy": "copies",
    "photo": "photos",
    "cover": "cover",
    "slideshow": "slideshow",
}


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def encode_progress(events: Events, jobs: list[list[BundlePlan]]):
    """The video encodes' progress for Renditions.prepare: each encode named by the posts and
    platforms whose bundles will hold it, not by its source file alone."""
    users: dict[tuple, list[BundlePlan]] = {}
    for plan in (p for plans in jobs for p in plans):
        for step in plan.steps:
            users.setdefault(Renditions.key(step), []).append(plan)

    def task(members):
        plans = [p for step in members for p in users.get(Renditions.key(step), [])]
        posts = ", ".join(dict.fromkeys(p.post.name for p in plans)) or members[0].source.name
        return events.task(posts, [p.profile.id for p in plans], f"encoding {members[0].source.name}")

    return task


def safe_path(out: Path, plan: BundlePlan) -> Path:
    try:
        return bundle_path(out, plan)
    except BundleError:
        return Path(out) / plan.bundle_id / plan.profile.id
