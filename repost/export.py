"""Export posts to bundles: load, probe once, plan each platform, then write (in parallel with -j)."""

from __future__ import annotations

import json
import shlex
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import click

from repost.bundle import BundleResult, Renditions, bundle_path, write_bundle
from repost.errors import BundleError, ExitStatus, RepostError
from repost.media.ffmpeg import build_command
from repost.media.probe import probe_media
from repost.model import Post, load_post
from repost.plan import BundlePlan, plan_bundle
from repost.profiles import Profile, select_profiles


@dataclass(frozen=True)
class ExportOptions:
    out: Path
    to: str
    fit: str | None = None
    jobs: int = 1
    dry_run: bool = False
    force: bool = False

    def plan_options(self) -> dict:
        return {"fit": self.fit}


@dataclass
class ExportOutcome:
    results: list[BundleResult] = field(default_factory=list)
    plans: list[BundlePlan] = field(default_factory=list)
    input_errors: list[RepostError] = field(default_factory=list)

    @property
    def exit_status(self) -> ExitStatus:
        if self.input_errors:
            return ExitStatus.USAGE
        if any(r.status == "failed" for r in self.results):
            return ExitStatus.FAILED
        return ExitStatus.OK


def export_posts(post_args, profiles: dict[str, Profile], options: ExportOptions) -> ExportOutcome:
    """Export every post to every chosen platform; one bad post never stops the others."""
    targets = select_profiles(profiles, options.to)
    outcome = ExportOutcome()
    jobs: list[list[BundlePlan]] = []
    for arg in post_args:
        try:
            plans = plan_post(load_post(arg), targets, options)
        except RepostError as exc:
            outcome.input_errors.append(exc)
            continue
        outcome.plans += plans
        jobs.append(plans)
    if options.dry_run:
        return outcome
    with ThreadPoolExecutor(max_workers=options.jobs) as pool:
        for results in pool.map(lambda plans: write_post(plans, options), jobs):
            outcome.results += results
    return outcome


def plan_post(post: Post, targets: list[Profile], options: ExportOptions) -> list[BundlePlan]:
    """Probe a post's media once and plan its bundle for each target (export and migrate share it)."""
    facts = {item.path: probe_media(item.path) for item in post.media}
    return [plan_bundle(post, p, facts, options.plan_options()) for p in targets]


def write_post(plans: list[BundlePlan], options: ExportOptions) -> list[BundleResult]:
    """One post's bundles, in turn, sharing renditions that come out identical."""
    renditions = Renditions()
    results = []
    for plan in plans:
        try:
            results.append(write_bundle(plan, options.out, force=options.force, renditions=renditions))
        except BundleError as exc:
            results.append(
                BundleResult(
                    plan.post.id,
                    plan.profile.id,
                    _safe_path(options.out, plan),
                    "failed",
                    plan.changes,
                    plan.warnings,
                    exc.what,
                )
            )
    return results


def _safe_path(out: Path, plan: BundlePlan) -> Path:
    try:
        return bundle_path(out, plan)
    except BundleError:
        return Path(out) / plan.bundle_id / plan.profile.id


def plan_to_dict(plan: BundlePlan, out: Path) -> dict:
    steps = []
    for step in plan.steps:
        d = {"file": step.dest, "role": step.role, "action": step.action, "source": str(step.source)}
        if step.ffmpeg_args:
            d["command"] = build_command(step.ffmpeg_args)
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


def print_results(outcome: ExportOutcome, *, as_json: bool, dry_run: bool, out: Path) -> None:
    errors = [{"error": e.what, "where": e.where, "hint": e.hint} for e in outcome.input_errors]
    if as_json:
        doc = {"ok": outcome.exit_status == ExitStatus.OK, "errors": errors}
        if dry_run:
            doc["plans"] = [plan_to_dict(p, out) for p in outcome.plans]
        else:
            doc["bundles"] = [r.to_dict() for r in outcome.results]
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    for exc in outcome.input_errors:
        click.echo(f"Error: {exc.one_line()}", err=True)
        if exc.hint:
            click.echo(f"Hint: {exc.hint}", err=True)
    if dry_run:
        for plan in outcome.plans:
            _echo_plan(plan_to_dict(plan, out))
        return
    for r in outcome.results:
        _echo_result(r)
    made = sum(r.status == "made" for r in outcome.results)
    same = sum(r.status == "up_to_date" for r in outcome.results)
    failed = sum(r.status == "failed" for r in outcome.results)
    click.echo(f"{made} made, {same} up to date, {failed} failed, {len(outcome.input_errors)} unreadable")


def _echo_plan(d: dict) -> None:
    mark = "plan" if d["ok"] else "cannot"
    click.echo(f"{mark}: {d['post']} → {d['platform']}: {d['path']}")
    for s in d["steps"]:
        how = shlex.join(s["command"]) if "command" in s else f"{s['action']} {s['source']}"
        click.echo(f"    {s['file']}: {how}")
    for c in d["changes"]:
        click.echo(f"    change: {c}")
    for w in d["warnings"]:
        click.echo(f"    warning: {w}")
    for b in d["blockers"]:
        click.echo(f"    cannot: {b}")


def _echo_result(r: BundleResult) -> None:
    if r.status == "failed":
        click.echo(f"✗ {r.post_id} → {r.platform}: {r.error}")
        return
    note = "up to date, left alone" if r.status == "up_to_date" else "; ".join(r.changes)
    click.echo(f"✓ {r.post_id} → {r.platform}: {r.path} ({note})")
    for w in r.warnings:
        click.echo(f"    warning: {w}")
