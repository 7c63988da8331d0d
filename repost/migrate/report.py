"""What a migration writes down: report.json and report.md, and the summary line they share
with the command line."""

from __future__ import annotations

import json
from pathlib import Path

import repost
from repost.bundle.export import count_words
from repost.migrate.outfiles import REPORT_FILES, write_aside
from repost.migrate.state import Outcome, Record, State, Status
from repost.migrate.summary import Summary

OUTCOME_WORDS = {
    Outcome.MADE: "made",
    Outcome.UP_TO_DATE: "up to date",
    Outcome.SKIPPED: "skipped",
    Outcome.FAILED: "failed",
    Outcome.PLANNED: "planned",
}


def record_to_dict(rec: Record) -> dict:
    return {
        "post": rec.post,
        "name": rec.label,
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


# "post" names the post as a person knows it (an imported post's readable folder name); "id",
# last so that the columns before keep their places, is the id its manifest and the state hold.
MD_COLUMNS = ("date", "title", "post", "platform", "result", "bundle", "changes", "warnings", "id")


def write_markdown(f, state: State, out: Path, summary: Summary) -> None:
    """report.md: this run in one line, then every bundle of the output folder, whichever run
    made it (oldest post first), each with its post's date and title and where it lies."""
    f.write(f"# Migration report\n\nSource: `{summary.source}` ({summary.kind}), run {state.run}.\n\n")
    f.write(f"This run: {summary_line(summary)}\n\n")
    rows, posts = [], set()
    counts = {"ready": 0, "failed": 0, "skipped": 0}
    for rec, run in state.iter_all():
        word = {Status.DONE: "ready", Status.SKIPPED: "skipped"}.get(rec.status, "failed")
        counts[word] += 1
        rows.append(_md_row(rec, run, state.run, out))
        posts.add(rec.post)  # by id: the parts of one post are one post
    f.write(f"## Every bundle in {out.name or out}\n\n")
    tally = ", ".join(f"{n} {k}" for k, n in counts.items())
    f.write(f"{count_words(len(posts), len(rows))}: {tally}\n\n")
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
    post = f"{rec.label} ({rec.part_label})" if rec.part else rec.label
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
        rec.post,
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
