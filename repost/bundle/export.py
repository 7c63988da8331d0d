"""Export posts to bundles: load, probe once, plan each platform, then write (in parallel with -j)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from repost.bundle.build import WORK_DIR, BundleResult, Renditions, group_encodes, other_owner
from repost.bundle.cluster import export_on_cluster
from repost.bundle.make import (
    ExportOptions,
    encode_progress,
    plan_post,
    renditions_made,
    safe_path,
    write_post,
)
from repost.bundle.outlock import output_lock
from repost.docs import COMMANDS, doc_ref
from repost.errors import ExitStatus, InputError, PostError, RepostError
from repost.events import QUIET, Events
from repost.media.commands import ffmpeg_args
from repost.media.ffmpeg import build_command
from repost.media.remembered import remembered
from repost.media.render import shared_args
from repost.media.slideshow import describe_slideshow
from repost.ops import SlideshowOp
from repost.plan import BundlePlan, safe_id
from repost.platforms import names as platform_names
from repost.platforms.model import Profile
from repost.platforms.profiles import select_profiles
from repost.post.folders import expand_posts
from repost.post.model import Post, load_post


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
    # --dry-run): an up-to-date re-run plans without decoding a source again, and a remade
    # bundle finds what its writing measured (a stream copy meters its source's sound as it
    # reads it: media/remux.py), as migrate's do. Not on a cluster, whose --out is on shared
    # storage, where SQLite must not be written.
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
        dest = safe_path(out, plan)
        theirs = other_owner(dest, plan)
        if theirs is not None:
            raise InputError(
                f"post {plan.post.id!r} maps to a folder that holds the bundle of another post ({theirs})",
                dest,
                hint="give one of the posts another id: in post.yaml (or choose another --out)",
            )


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
        "name": plan.post.name,
        "platform": plan.profile.id,
        "path": str(safe_path(out, plan)),
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
