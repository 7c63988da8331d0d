"""What export and migrate print: a short result line per bundle as it is done, plans for
--dry-run, errors, and the summaries. The library hands over values and events; only this
module (with cli/progress.py) turns them into text."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from repost.bundle.build import BundleResult
from repost.bundle.export import ExportOutcome, count_words, plan_to_dict, shared_runs
from repost.cli.progress import Board
from repost.cli.terminal import echo
from repost.errors import ExitStatus, RepostError
from repost.migrate.report import summary_line
from repost.migrate.summary import Summary


def error_lines(exc: RepostError) -> list[str]:
    """``Error: what [where]`` and its hint: how every error reaches the user."""
    return [f"Error: {exc.one_line()}"] + ([f"Hint: {exc.hint}"] if exc.hint else [])


def where(path) -> str:
    """A bundle's folder as short as it goes: from the working folder when it lies under it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def result_lines(r: BundleResult, *, verbose: bool = False, shown: dict[str, str] | None = None) -> list[str]:
    """One line for the bundle: post → platform, made or up to date (with how many changes and
    warnings) and where it went, or the reason it failed; the outcome comes before the folder, so
    a line cut to the terminal's width loses the end of a path, not the outcome. A made bundle's
    warnings follow, one a line; an up-to-date bundle's were shown by the run that made it (same
    fingerprint, same warnings) and are not repeated. ``shown`` ({warning: platform}) holds the
    warnings already printed under another bundle of the same post: those are counted, not
    repeated (a 720p source to five platforms warned five times that it will look soft), and
    this bundle's new ones are added to it. ``verbose`` adds every change and every warning."""
    if r.status == "failed":
        return [f"✗ {r.name or r.post_id} → {r.platform}: {r.error}"]
    word = "made" if r.status == "made" else "up to date"
    counts = [_plural(len(r.changes), "change")] if r.changes else []
    counts += [_plural(len(r.warnings), "warning")] if r.warnings else []
    outcome = f"{word} ({', '.join(counts)})" if counts else word
    lines = [f"✓ {r.name or r.post_id} → {r.platform}: {outcome} in {where(r.path)}"]
    if verbose:
        lines += [f"    change: {c}" for c in r.changes]
    if verbose or shown is None:
        return lines + ([f"    warning: {w}" for w in r.warnings] if verbose or r.status == "made" else [])
    if r.status != "made":
        return lines
    said = {w: shown[w] for w in r.warnings if w in shown}
    lines += [f"    warning: {w}" for w in r.warnings if w not in said]
    shown.update((w, r.platform) for w in r.warnings if w not in said)
    if said:
        # A split post's parts are bundles of one platform: "as above" names no other one.
        others = [p for p in dict.fromkeys(said.values()) if p != r.platform]
        names = f" for {' and '.join(others)}" if others else ""
        lines.append(f"    ({_plural(len(said), 'warning')} as{names} above)")
    return lines


def record_lines(rec, *, verbose: bool = False) -> list[str]:
    """A migration's bundle (a state record) that no result line has named yet."""
    post = f"{rec.label} ({rec.part_label})" if rec.part else rec.label
    if rec.outcome == "failed":
        return [f"✗ {post} → {rec.platform}: {rec.error}"]
    if rec.outcome == "skipped":
        return [f"- {rec.label}: skipped: {rec.error}"]
    if rec.outcome == "made" or verbose:
        word = "made" if rec.outcome == "made" else rec.outcome.replace("_", " ")
        lines = [f"✓ {post} → {rec.platform}: {word} in {where(rec.bundle)}"]
        return lines + ([f"    warning: {w}" for w in rec.warnings] if verbose else [])
    return []


class RunView(Board):
    """export and migrate on the command line: each step's progress while it runs, and each
    bundle's result line as soon as it is done (none with --json: stdout holds the document)."""

    def __init__(self, *, verbose: bool = False, as_json: bool = False) -> None:
        super().__init__()
        self.verbose, self.as_json = verbose, as_json
        self.named: set[str] = set()  # bundles whose line is out
        self.skipped: set[str] = set()  # posts whose skip is out (one line per post)
        self.warned: dict[str, dict[str, str]] = {}  # post -> {warning printed: under which platform}

    def bundle_done(self, result: BundleResult) -> None:
        with self.lock:
            self.named.add(str(result.path))
            if self.as_json:
                return
            lines = result_lines(
                result, verbose=self.verbose, shown=self.warned.setdefault(result.post_id, {})
            )
        for line in lines:
            self.say(line, whole=self.verbose or line.startswith("✗"))  # a reason in full

    def finished(self, post_id: str, records: list) -> None:
        super().finished(post_id, records)
        if self.as_json:
            return
        for rec in records:
            if (rec.bundle and rec.bundle in self.named) or rec.post in self.skipped:
                continue
            if rec.outcome == "skipped":
                self.skipped.add(rec.post)
            for line in record_lines(rec, verbose=self.verbose):
                self.say(line, whole=self.verbose or line.startswith("✗"))  # a reason in full


class PlanPrinter(RunView):
    """migrate --dry-run: each plan printed as export --dry-run prints it, or kept for --json."""

    def __init__(self, out: Path, as_json: bool) -> None:
        super().__init__(as_json=as_json)
        self.out, self.plans = out, []

    def planned(self, plans) -> None:
        for plan in plans:
            d = plan_to_dict(plan, self.out)
            if self.as_json:
                self.plans.append(d)
            else:
                echo_plan(d, lambda line: self.say(line, whole=True))

    def unplanned(self, post_id: str, why: str) -> None:
        if not self.as_json:
            self.say(f"plan: {post_id}: {why}")


def echo_plan(d: dict, say=echo) -> None:
    """One bundle's plan: every step with its exact command, changes, warnings, blockers."""
    mark = "plan" if d["ok"] else "cannot"
    say(f"{mark}: {d['name']} → {d['platform']}: {d['path']}")
    for s in d["steps"]:
        how = shlex.join(s["command"]) if "command" in s else s.get("makes") or f"{s['action']} {s['source']}"
        say(f"    {s['file']}: {how}")
    for c in d["changes"]:
        say(f"    change: {c}")
    for w in d["warnings"]:
        say(f"    warning: {w}")
    for b in d["blockers"]:
        say(f"    cannot: {b}")


def print_export(outcome: ExportOutcome, *, as_json: bool, dry_run: bool, out: Path) -> None:
    """After an export: the JSON document, or the plans (--dry-run), or the errors and the
    summary line (the result lines came out as each bundle was done)."""
    if as_json:
        errors = [{"error": e.what, "where": e.where, "hint": e.hint} for e in outcome.input_errors]
        doc = {"ok": outcome.exit_status == ExitStatus.OK, "errors": errors}
        if dry_run:
            doc["plans"] = [plan_to_dict(p, out) for p in outcome.plans]
            doc["runs"] = shared_runs(outcome.plans)
        else:
            doc["bundles"] = [r.to_dict() for r in outcome.results]
        echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    for exc in outcome.input_errors:
        for line in error_lines(exc):
            echo(line, err=True)
    if dry_run:
        for plan in outcome.plans:
            echo_plan(plan_to_dict(plan, out))
        for run in shared_runs(outcome.plans):
            echo(f"one decode for {', '.join(run['outputs'])} (each plan's command above, made in one run):")
            echo(f"    {shlex.join(run['command'])}")
        return
    echo(export_summary(outcome))


def export_summary(outcome: ExportOutcome) -> str:
    """The last line of an export: posts and bundles counted apart, then what became of them."""
    results = outcome.results
    counts = {s: sum(r.status == s for r in results) for s in ("made", "up_to_date", "failed")}
    posts = len({r.post_id for r in results})
    line = (
        f"{count_words(posts, len(results))}: {counts['made']} made, {counts['up_to_date']} up to date,"
        f" {counts['failed']} failed"
    )
    unreadable = len(outcome.input_errors)
    return line + (f"; {_plural(unreadable, 'post')} unreadable" if unreadable else "")


def print_migration(summary: Summary, *, as_json: bool, plans: list | None = None) -> None:
    """After a migration: the JSON document, or the summary line and the files written (each
    bundle's line, failures and skips included, came out as its post was done)."""
    if as_json:
        doc = summary.to_dict()
        if plans is not None:
            doc["plans"] = plans
        echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    echo(summary_line(summary))
    for name, path in summary.files.items():
        echo(f"{name.replace('_', ' ')}: {path}")
