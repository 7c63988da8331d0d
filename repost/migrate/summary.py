"""What a migration did, counted per bundle, with its failures and skips: the summary the
command line prints and report.json opens with."""

from __future__ import annotations

from dataclasses import dataclass, field

from repost.errors import ExitStatus
from repost.migrate.state import Outcome, Record


@dataclass
class Summary:
    """What a migration did, counted per bundle (post, platform and part: a post split into
    numbered posts counts each); failures and skips with their reasons."""

    source: str = ""
    kind: str = ""
    posts: int = 0
    made: int = 0
    up_to_date: int = 0
    planned: int = 0
    skipped: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    def add(self, rec: Record) -> None:
        if rec.outcome == Outcome.MADE:
            self.made += 1
        elif rec.outcome == Outcome.UP_TO_DATE:
            self.up_to_date += 1
        elif rec.outcome == Outcome.PLANNED:
            self.planned += 1
        elif rec.outcome == Outcome.FAILED:
            failure = {"post": rec.post, "name": rec.label, "platform": rec.platform, "error": rec.error}
            if rec.part:
                failure["part"] = rec.part_label
            self.failed.append(failure)
        elif rec.outcome == Outcome.SKIPPED and not any(s["post"] == rec.post for s in self.skipped[-1:]):
            self.skipped.append({"post": rec.post, "name": rec.label, "reason": rec.error})

    @property
    def bundles(self) -> int:
        """Bundles this run dealt with (made, up to date, planned or failed); skips are per post."""
        return self.made + self.up_to_date + self.planned + len(self.failed)

    @property
    def exit_status(self) -> ExitStatus:
        return ExitStatus.FAILED if self.failed else ExitStatus.OK

    def to_dict(self) -> dict:
        return {
            "ok": not self.failed,
            "source": self.source,
            "kind": self.kind,
            "posts": self.posts,
            "bundles": self.bundles,
            "done": self.made,
            "up_to_date": self.up_to_date,
            "planned": self.planned,
            "skipped": self.skipped,
            "failed": self.failed,
            "files": self.files,
        }
