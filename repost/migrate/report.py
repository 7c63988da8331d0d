"""What a migration shows: the report files (report.json, report.md), the summary, the progress bar."""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path

import repost
from repost import layout
from repost.bundle.export import count_words
from repost.cli.terminal import echo, shown
from repost.errors import InputError
from repost.inputs import open_regular
from repost.migrate.run import Hooks, Summary
from repost.migrate.state import Outcome, Record, State, Status

OUTCOME_WORDS = {
    Outcome.MADE: "made",
    Outcome.UP_TO_DATE: "up to date",
    Outcome.SKIPPED: "skipped",
    Outcome.FAILED: "failed",
    Outcome.PLANNED: "planned",
}


@contextmanager
def write_aside(path: Path):
    """A file of DIR written in DIR/.repost/tmp and renamed in, so a killed run never leaves
    half of it (and what it leaves there, the next run clears); a failure names the file."""
    tmp = layout.tmp_dir(path.parent) / f"{path.name}.{uuid.uuid4().hex[:8]}"
    try:
        tmp.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            yield f
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(
            f"cannot write: {exc.strerror or exc}", path, hint="is --out full or read-only?"
        ) from exc
    finally:
        with suppress(OSError):  # never made (its folder could not be): nothing to remove
            tmp.unlink(missing_ok=True)


# How each file repost writes at the top of DIR begins, to tell it from a file of the user's
# that happens to have its name (never overwritten: a migration refuses to start instead).
REPORT_FILES = (layout.REPORT_JSON, layout.REPORT_MD)
SCHEDULE_FILES = (layout.SCHEDULE_CSV, layout.SCHEDULE_ICS)
OWN_FILE_MARKS = {
    layout.REPORT_JSON: b'"name": "repost"',
    layout.REPORT_MD: b"# Migration report",
    layout.SCHEDULE_CSV: b"date,time,timezone,platform,post",
    layout.SCHEDULE_ICS: b"PRODID:-//repost//",
}


def check_own_files(out: Path, names) -> None:
    """Refuse, before any work, to write over a file of these names that repost did not write."""
    for name in names:
        path = out / name
        try:
            with open_regular(path, f"repost's {name}") as f:
                head = f.read(4096)
        except FileNotFoundError:
            continue
        except InputError:  # a folder, a FIFO (which a plain open would wait on forever), a device
            head = b""
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", path) from exc
        if OWN_FILE_MARKS[name] not in head:
            raise InputError(
                "exists and was not written by repost; left untouched",
                path,
                hint="move it away, or choose another --out",
            )


def record_to_dict(rec: Record) -> dict:
    return {
        "post": rec.post,
        "platform": rec.platform,
        "part": rec.part_label,
        "result": rec.outcome,
        "bundle": rec.bundle if rec.status == Status.DONE else None,
        "created": rec.created,
        "title": rec.title,
        "changes": list(rec.changes),
        "warnings": list(rec.warnings),
        "error": rec.error,
    }


def write_reports(state: State, out: Path, summary: Summary) -> dict[str, str]:
    """DIR/report.json and DIR/report.md, streamed from this run's records (never all in memory)."""
    out.mkdir(parents=True, exist_ok=True)
    head = {
        "schema": 1,
        "tool": {"name": "repost", "version": repost.__version__},
        "run": state.run,
        **{k: v for k, v in summary.to_dict().items() if k != "files"},
    }
    json_path, md_path = (out / name for name in REPORT_FILES)
    with write_aside(json_path) as f:
        f.write(json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "bundles": [')
        for i, rec in enumerate(state.iter_run()):
            f.write(("," if i else "") + "\n    " + json.dumps(record_to_dict(rec), ensure_ascii=False))
        f.write("\n  ]\n}\n")
    with write_aside(md_path) as f:
        write_markdown(f, state, out, summary)
    return {"report_json": str(json_path), "report_md": str(md_path)}


MD_COLUMNS = ("date", "title", "post", "platform", "result", "bundle", "changes", "warnings")


def write_markdown(f, state: State, out: Path, summary: Summary) -> None:
    """report.md: this run in one line, then every bundle of the output folder, whichever run
    made it (oldest post first), each with its post's date and title and where it lies."""
    f.write(f"# Migration report\n\nSource: `{summary.source}` ({summary.kind}), run {state.run}.\n\n")
    f.write(f"This run: {summary_line(summary)}\n\n")
    rows = []
    counts = {"ready": 0, "failed": 0, "skipped": 0}
    for rec, run in state.iter_all():
        word = {Status.DONE: "ready", Status.SKIPPED: "skipped"}.get(rec.status, "failed")
        counts[word] += 1
        rows.append(_md_row(rec, run, state.run, out))
    posts = len({row[2] for row in rows})
    f.write(f"## Every bundle in {out.name or out}\n\n")
    f.write(f"{count_words(posts, len(rows))}: " + ", ".join(f"{n} {k}" for k, n in counts.items()) + "\n\n")
    f.write("| " + " | ".join(MD_COLUMNS) + " |\n" + "| --- " * len(MD_COLUMNS) + "|\n")
    for row in rows:
        f.write("| " + " | ".join(_md_cell(c) for c in row) + " |\n")


def _md_row(rec: Record, run: int | None, this_run: int, out: Path) -> list[str]:
    result = OUTCOME_WORDS.get(rec.outcome, rec.outcome)
    if run is not None and run != this_run:
        result += f" (run {run})"
    if rec.error:
        result += f": {rec.error}"
    bundle = ""
    if rec.status == Status.DONE and rec.bundle:
        where = Path(rec.bundle)
        bundle = (
            where.relative_to(out.resolve()).as_posix() if where.is_relative_to(out.resolve()) else str(where)
        )
    post = f"{rec.post} ({rec.part_label})" if rec.part else rec.post
    day = (rec.created or "")[:10]
    return [
        day,
        rec.title or "",
        post,
        rec.platform,
        result,
        bundle,
        "; ".join(rec.changes),
        "; ".join(rec.warnings),
    ]


def _md_cell(text: str | None) -> str:
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def summary_line(summary: Summary) -> str:
    """Posts and bundles counted apart: one post makes a bundle per platform (and part)."""
    done = f"{summary.planned} planned" if summary.planned else f"{summary.made} made"
    parts = [done, f"{summary.up_to_date} up to date", f"{len(summary.failed)} failed"]
    line = f"{count_words(summary.posts, summary.bundles)}: {', '.join(parts)}"
    skipped = len(summary.skipped)
    return line + f"; {skipped} post{'' if skipped == 1 else 's'} skipped"


def print_summary(summary: Summary, *, as_json: bool, plans: list | None = None) -> None:
    if as_json:
        doc = summary.to_dict()
        if plans is not None:
            doc["plans"] = plans
        echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    for s in summary.skipped:
        echo(f"- {s['post']}: skipped: {s['reason']}")
    for f in summary.failed:
        part = f" ({f['part']})" if f.get("part") else ""
        echo(f"✗ {f['post']}{part} → {f['platform']}: {f['error']}")
    echo(summary_line(summary))
    for name, path in summary.files.items():
        echo(f"{name.replace('_', ' ')}: {path}")


class ProgressBar(Hooks):
    """One line on a terminal: the overall bar, the counts, and the posts being made now
    (``started`` comes from the workers as they take a post up, the rest from the main loop)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.count = 0
        self.of = 0
        self.failed = 0
        self.now: dict[str, None] = {}
        self.lock = threading.Lock()

    def total(self, count: int) -> None:
        with self.lock:
            self.of = count
            self._draw()

    def started(self, post_id: str) -> None:
        with self.lock:
            self.now[post_id] = None
            self._draw()

    def finished(self, post_id: str, records: list[Record]) -> None:
        with self.lock:
            self.now.pop(post_id, None)
            self.count += 1
            self.failed += sum(r.outcome == "failed" for r in records)
            self._draw()

    def _draw(self) -> None:
        width = shutil.get_terminal_size((80, 20)).columns
        share = self.count / self.of if self.of else 0
        bar = "█" * int(share * 20) + "·" * (20 - int(share * 20))
        text = f"[{bar}] {self.count}/{self.of or '?'} posts, {self.failed} failed"
        if self.now:
            text += " · now: " + shown(", ".join(self.now))
        self.stream.write("\r" + text[: width - 1].ljust(width - 1))
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r" + " " * (shutil.get_terminal_size((80, 20)).columns - 1) + "\r")
        self.stream.flush()


class PlanPrinter(Hooks):
    """--dry-run: print each plan as export --dry-run does, or keep it for --json."""

    def __init__(self, out: Path, as_json: bool) -> None:
        self.out, self.as_json, self.plans = out, as_json, []

    def planned(self, plans) -> None:
        from repost.bundle.export import _echo_plan, plan_to_dict

        for plan in plans:
            d = plan_to_dict(plan, self.out)
            if self.as_json:
                self.plans.append(d)
            else:
                _echo_plan(d)

    def unplanned(self, post_id: str, why: str) -> None:
        if not self.as_json:
            echo(f"plan: {post_id}: {why}")
