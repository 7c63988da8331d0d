"""repost check: every problem of a post.yaml and each platform's blockers, without exporting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from repost.bundle.make import ExportOptions, plan_post
from repost.bundle.norms import source_image_warnings
from repost.docs import post_problem_hint
from repost.errors import ExitStatus, PostError, RepostError
from repost.plan import BundlePlan
from repost.platforms import names as platform_names
from repost.platforms.model import Profile
from repost.platforms.profiles import select_profiles
from repost.post.folders import expand_posts
from repost.post.model import find_post_file, load_post


@dataclass
class PostCheck:
    """What checking one post found: problems in its file, or a plan per platform (and part)."""

    path: Path
    post: str | None = None
    unreadable: str | None = None  # the file could not be read at all (exit 2)
    problems: list[str] = field(default_factory=list)
    hint: str | None = None
    platforms: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unreadable and not self.problems and all(p["ok"] for p in self.platforms)

    def to_dict(self) -> dict:
        return {"path": str(self.path), "post": self.post, "ok": self.ok, "unreadable": self.unreadable,
                "problems": self.problems, "hint": self.hint, "platforms": self.platforms}  # fmt: skip


def check_posts(args, profiles: Mapping[str, Profile], options: ExportOptions) -> list[PostCheck]:
    """Check each POST (a folder of post folders stands for each) against the chosen platforms,
    with export's own planner: what it reports as blocked is what an export would not make."""
    targets = select_profiles(profiles, options.to)
    return [check_post(arg, profiles, targets, options) for arg in expand_posts(args)]


def check_post(arg: Path, profiles, targets: list[Profile], options: ExportOptions) -> PostCheck:
    try:
        found = PostCheck(find_post_file(arg))
        post = load_post(found.path)
    except PostError as exc:
        return PostCheck(Path(exc.where or arg), problems=list(exc.problems), hint=exc.hint)
    except RepostError as exc:  # not there, not UTF-8, not YAML: nothing to check
        return PostCheck(Path(exc.where or arg), unreadable=exc.what, hint=exc.hint)
    found.post = post.id
    post, found.problems = platform_names.with_platform_ids(post, profiles)
    try:
        plans = plan_post(post, targets, options)
    except RepostError as exc:  # a damaged or unreadable media file: no platform can be planned
        found.problems.append(exc.one_line())
        found.hint = exc.hint
        return found
    found.platforms = [_plan_dict(plan) for plan in plans]
    for entry, plan in zip(found.platforms, plans, strict=True):
        entry["warnings"] += source_image_warnings(plan)  # QR codes in the photos, before any is made
    if found.problems and not found.hint:
        found.hint = post_problem_hint(found.problems)
    return found


def _plan_dict(plan: BundlePlan) -> dict:
    return {
        "platform": plan.profile.id,
        "bundle": plan.bundle_id,
        "ok": plan.ok,
        "blockers": list(plan.blockers),
        "warnings": list(plan.warnings),
        "changes": list(plan.changes),
    }


def exit_status(checks: list[PostCheck]) -> ExitStatus:
    """0 every post ready everywhere; 1 problems or blockers found; 2 a post could not be read."""
    if any(c.unreadable for c in checks):
        return ExitStatus.USAGE
    return ExitStatus.OK if all(c.ok for c in checks) else ExitStatus.FAILED


def render_check(check: PostCheck) -> list[str]:
    """Lines for the terminal: the post, then each problem and each platform's verdict."""
    name = f"{check.path} ({check.post})" if check.post else str(check.path)
    if check.unreadable:
        lines = [f"✗ {name}: cannot read: {check.unreadable}"]
    elif check.ok:
        ready = ", ".join(dict.fromkeys(p["platform"] for p in check.platforms))
        lines = [f"✓ {name}: ready for {ready}"]
    else:
        blocked = sum(not p["ok"] for p in check.platforms)
        said = [f"{len(check.problems)} problem(s) in the file"] if check.problems else []
        said += [f"{blocked} bundle(s) blocked"] if blocked else []
        lines = [f"✗ {name}: {', '.join(said)}"]
    lines += [f"    problem: {p}" for p in check.problems]
    for p in check.platforms:
        if check.ok and not p["warnings"]:
            continue  # "ready for ..." said it
        where = p["platform"] if p["bundle"] == check.post else f"{p['platform']} ({p['bundle']})"
        lines.append(f"    {where}: {'ok' if p['ok'] else 'cannot: ' + '; '.join(p['blockers'])}")
        lines += [f"        warning: {w}" for w in p["warnings"]]
    return lines + ([f"    hint: {check.hint}"] if check.hint and not check.ok else [])
