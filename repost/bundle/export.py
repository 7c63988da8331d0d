"""Export posts to bundles: load, probe once, plan each platform, then write (in parallel with -j)."""

from __future__ import annotations

import dataclasses
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from repost.bundle.build import (
    WORK_DIR,
    BundleResult,
    Renditions,
    bundle_path,
    group_encodes,
    is_current,
    other_owner,
    write_bundle,
)
from repost.bundle.outlock import output_lock
from repost.bundle.photos import probe_post, skipped_warnings
from repost.docs import COMMANDS, doc_ref
from repost.errors import BundleError, ExitStatus, InputError, MediaError, PostError, RepostError
from repost.events import QUIET, Events
from repost.media.commands import ffmpeg_args
from repost.media.ffmpeg import build_command
from repost.media.fonts import choose_font
from repost.media.loudness import measure_requests
from repost.media.probe import probe_media
from repost.media.remembered import remembered
from repost.media.render import shared_args
from repost.media.slideshow import describe_slideshow
from repost.media.subject import find_subjects
from repost.media.watermark import find_watermarks
from repost.migrate.importers.postfolders import expand_posts
from repost.ops import SlideshowOp
from repost.plan import BundlePlan, Evidence, PlanOptions, plan_bundles, safe_id
from repost.plan.audio import level_requests
from repost.platforms import names as platform_names
from repost.platforms.model import Profile
from repost.platforms.profiles import select_profiles
from repost.post.model import Post, load_post


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


@dataclass
class ExportOutcome:
    results: list[BundleResult] = field(default_factory=list)
    plans: list[BundlePlan] = field(default_factory=list)
    input_errors: list[RepostError] = field(default_factory=list)

    @property
    def exit_status(self) -> ExitStatus:
        if self.input_errors:
            return ExitStatus.USAGE
        if any(r.status == "failed" for r in self.results) or any(not p.ok for p in self.plans):
            return ExitStatus.FAILED
        return ExitStatus.OK


def export_posts(
    post_args, profiles: dict[str, Profile], options: ExportOptions, events: Events = QUIET
) -> ExportOutcome:
    """Export every post to every chosen platform; one bad post never stops the others.
    ``events`` hears of each long step as it runs and of each bundle as it is done."""
    targets = select_profiles(profiles, options.to)
    outcome = ExportOutcome()
    jobs: list[list[BundlePlan]] = []
    seen: dict[str, Post] = {}  # bundle folder -> the post that claimed it
    # Sources' loudness and watermark scans kept in DIR/.repost between runs (read only on
    # --dry-run): an up-to-date re-run plans without decoding a source again. Not on a cluster,
    # whose --out is on shared storage, where SQLite must not be written.
    store = Path(options.out).resolve() / WORK_DIR
    with remembered(None if options.cluster else store, read_only=options.dry_run):
        for arg in expand_posts(post_args):
            try:
                post = with_platform_ids(load_post(arg, allow_outside=options.allow_outside_media), profiles)
                _claim_id(seen, post)
                plans = plan_post(post, targets, options, events)
                _claim_folders(plans, options.out)
            except RepostError as exc:
                outcome.input_errors.append(exc)
                continue
            outcome.plans += plans
            jobs.append(plans)
    if options.dry_run or not jobs:
        return outcome
    if options.cluster:
        from repost.migrate.cluster import export_on_cluster

        outcome.results += export_on_cluster(jobs, options, done=events.bundle_done)
        return outcome
    renditions = Renditions(options.jobs, encode_progress(events, jobs))
    # Every distinct encode of the run first, -j at a time; the bundles then copy them.
    every = [p for plans in jobs for p in plans]
    lock = output_lock(Path(options.out).resolve() / WORK_DIR)  # one writing run per --out
    with lock, renditions_made(every, options, renditions), ThreadPoolExecutor(options.jobs) as pool:
        for results in pool.map(lambda plans: write_post(plans, options, renditions, events), jobs):
            outcome.results += results
    return outcome


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
    with events.task(post.id, ids, f"reading {_count(files, 'media file')}"):
        post, facts, skipped = probe_post(post, lists, options.strict_photos or post.strict_photos)
        facts = _probe_covers(post, targets, facts)
    plan_options = options.plan_options()
    looking = "finding the subject" if options.fit == "smart" else "looking at the media"
    with events.task(post.id, ids, looking):
        evidence = Evidence(
            subjects=find_subjects(post, targets, facts, options.fit),  # fit smart: where the subject is
            # Another platform's watermark: a dry run scans no pictures (its steps do not depend on it).
            watermarks=find_watermarks(post, targets, facts, options.norms, scan=not options.dry_run),
            fonts=cover_fonts(post, targets),
        )
    plans = _with_skipped(_plan_all(post, targets, facts, plan_options, evidence), skipped, before, post)
    # Sound that is re-encoded keeps its source's loudness: measure those stretches (once per
    # run) and plan again with the figures, so the commands carry the exact gain.
    wanted = level_requests(plans)
    if not wanted:
        return plans
    with events.task(post.id, ids, "measuring loudness"):
        evidence = dataclasses.replace(evidence, levels=measure_requests(wanted))
    return _with_skipped(_plan_all(post, targets, facts, plan_options, evidence), skipped, before, post)


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


def with_platform_ids(post: Post, profiles: dict[str, Profile]) -> Post:
    """The post with its platform names as ids; a name no platform answers to is an error."""
    post, problems = platform_names.with_platform_ids(post, profiles)
    if problems:
        raise PostError(
            post.file, problems, hint=f"see {doc_ref('platforms')} and {doc_ref('platform-names', COMMANDS)}"
        )
    return post


def _claim_id(seen: dict[str, Post], post: Post) -> None:
    """Two posts whose ids name one folder ("sa/me" and "sa-me" too) would overwrite each
    other's bundles: the second is refused."""
    key = safe_id(post.id)
    if key in seen:
        first = seen[key]
        what = (
            f"post id {post.id!r} is already used by {first.file}"
            if first.id == post.id
            else f"post ids {first.id!r} ({first.file}) and {post.id!r} map to the same folder {key}"
        )
        raise InputError(what, post.file, hint="give one of the posts another id: in post.yaml")
    seen[key] = post


def _claim_folders(plans: list[BundlePlan], out: Path) -> None:
    """A bundle folder holding another post's bundle, made by an earlier run, is refused (never
    replaced): the manifest names the post it was made for."""
    for plan in plans:
        dest = _safe_path(out, plan)
        theirs = other_owner(dest, plan)
        if theirs is not None:
            raise InputError(
                f"post {plan.post.id!r} maps to a folder that holds the bundle of another post ({theirs})",
                dest,
                hint="give one of the posts another id: in post.yaml (or choose another --out)",
            )


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
            with events.task(plan.post.id, [plan.profile.id], making(plan)):
                result = write_bundle(plan, options.out, force=options.force, renditions=renditions)
        except BundleError as exc:
            result = BundleResult(
                plan.post.id,
                plan.profile.id,
                _safe_path(options.out, plan),
                "failed",
                plan.changes,
                plan.warnings,
                exc.one_line(),  # with the file it is about, where there is one
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
        posts = ", ".join(dict.fromkeys(p.post.id for p in plans)) or members[0].source.name
        return events.task(posts, [p.profile.id for p in plans], f"encoding {members[0].source.name}")

    return task


def _safe_path(out: Path, plan: BundlePlan) -> Path:
    try:
        return bundle_path(out, plan)
    except BundleError:
        return Path(out) / plan.bundle_id / plan.profile.id


def plan_to_dict(plan: BundlePlan, out: Path) -> dict:
    steps = []
    for step in plan.steps:
        d = {"file": step.dest, "role": step.role, "action": step.action, "source": str(step.source)}
        args = ffmpeg_args(step, step.dest)  # media/ spells the operation, as it will run it
        if args is not None:
            d["command"] = build_command(args)
        elif isinstance(step.op, SlideshowOp):
            d["makes"] = describe_slideshow(step.op)
        steps.append(d)
    return {
        "post": plan.post.id,
        "platform": plan.profile.id,
        "path": str(_safe_path(out, plan)),
        "ok": plan.ok,
        "steps": steps,
        "text": plan.texts.to_dict(),
        "changes": list(plan.changes),
        "warnings": list(plan.warnings),
        "blockers": list(plan.blockers),
    }


def shared_runs(plans: list[BundlePlan]) -> list[dict]:
    """The ffmpeg runs that make several renditions from one decode, as ``--dry-run`` shows
    them: outputs named ``<bundle-id>-<platforms>-01.mp4``, copied into each bundle after."""
    ok = [p for p in plans if p.ok]
    users: dict[tuple, list[BundlePlan]] = {}
    for plan in ok:
        for step in plan.steps:
            users.setdefault(Renditions.key(step), []).append(plan)
    runs = []
    for group in group_encodes([s for p in ok for s in p.steps]):
        if len(group) < 2:
            continue
        items = []
        for step in group:
            made_for = users[Renditions.key(step)]
            name = f"{made_for[0].bundle_id}-{'+'.join(p.profile.id for p in made_for)}-{step.dest}"
            items.append((step.op, name))
        args = shared_args(group[0].source, items)
        runs.append({"outputs": [name for _, name in items], "command": build_command(args)})
    return runs


def count_words(posts: int, bundles: int) -> str:
    """'2 posts → 4 bundles': a post makes one bundle per platform (and per part)."""
    return f"{posts} post{'' if posts == 1 else 's'} → {bundles} bundle{'' if bundles == 1 else 's'}"
