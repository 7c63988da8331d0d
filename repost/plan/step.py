"""One step of a plan (a bundle file and how it is made), and what a planner returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from repost.ops import Conform, Operation, Rendition


@dataclass(frozen=True)
class Step:
    """One file of a bundle: ``dest`` (its name in the bundle), made from ``source`` by ``op``,
    an operation of repost/ops.py that media/ carries out."""

    source: Path
    dest: str
    role: str  # video | image | cover
    op: Operation
    duration_s: float | None = None  # the output's length, for a progress bar while it is made
    alt: str | None = None  # the post's alt text for this photo or video, carried to the manifest

    @property
    def action(self) -> str:
        """What kind of making it is: ffmpeg | copy | photo | slideshow | cover."""
        return self.op.action

    @property
    def rendition(self) -> Rendition | None:
        """The planned video of a conform (a decode can be shared), else None."""
        return self.op.rendition if isinstance(self.op, Conform) else None


@dataclass(frozen=True)
class Planned:
    """What a planner decided: the steps, the changes and warnings in words, what blocks the
    bundle, and (for photos) the manifest's ``privacy``. Planners return one; ``+`` joins them."""

    steps: tuple[Step, ...] = ()
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    blockers: tuple[str, ...] = ()
    privacy: Mapping | None = None

    def __add__(self, other: Planned) -> Planned:
        return Planned(
            self.steps + other.steps,
            self.changes + other.changes,
            self.warnings + other.warnings,
            self.blockers + other.blockers,
            other.privacy if other.privacy is not None else self.privacy,
        )


def blocked(*reasons: str) -> Planned:
    """A plan that cannot be carried out, and why."""
    return Planned(blockers=tuple(reasons))
